package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.core.InvalidReason;
import analytics.core.Windows;
import analytics.mongo.KpiSchema;
import analytics.mongo.ProgressRecord;
import analytics.testkit.GroundTruth;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Malformed records never stop the job: each is stored once in invalid_events and counted. */
@ExtendWith(StackExtension.class)
class ConsumerDeadLetterTest {

    /** Ten payloads of each kind of malformation, with the reason the codec must give. */
    static Map<String, InvalidReason> malformed() {
        Map<String, InvalidReason> m = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            String ts = "\"2026-11-29T00:0" + (i % 10) + ":00.000Z\"";
            m.put("{not json " + i, InvalidReason.NOT_JSON);
            m.put("{\"user_id\":\"u" + i + "\",\"interaction_type\":\"click\",\"timestamp\":"
                    + ts + "}", InvalidReason.MISSING_FIELD);
            m.put("{\"user_id\":" + i + ",\"item_id\":\"i\",\"interaction_type\":\"view\","
                    + "\"timestamp\":" + ts + "}", InvalidReason.WRONG_TYPE);
            m.put("{\"user_id\":\"u" + i + "\",\"item_id\":\"i\",\"interaction_type\":\"poke\","
                    + "\"timestamp\":" + ts + "}", InvalidReason.UNKNOWN_INTERACTION_TYPE);
            m.put("{\"user_id\":\"u" + i + "\",\"item_id\":\"i\",\"interaction_type\":\"like\","
                    + "\"timestamp\":\"yesterday " + i + "\"}", InvalidReason.BAD_TIMESTAMP);
        }
        return m;
    }

    @Test
    void malformedRecordsOfEveryKindAreStoredOnceAndGoodOnesCountedExactly(TestStack stack)
            throws Exception {
        String topic = stack.createTopic(2);
        String dbName = stack.newDatabaseName();
        Map<String, InvalidReason> bad = malformed();
        List<InteractionEvent> good = ConsumerFixtures.events(950, ConsumerFixtures.T0,
                Duration.ofMinutes(20), 30, 20, 7);
        // 5% malformed, spread through the topic.
        List<byte[]> payloads = new ArrayList<>(ConsumerFixtures.encode(good));
        List<String> badPayloads = new ArrayList<>(bad.keySet());
        for (int i = 0; i < badPayloads.size(); i++) {
            payloads.add(i * 19 + 3, badPayloads.get(i).getBytes(StandardCharsets.UTF_8));
        }
        long sentFrom = System.currentTimeMillis();
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, payloads);
        long sentTo = System.currentTimeMillis();

        consumer.Settings s = ConsumerFixtures.settings(stack, topic, dbName,
                ConsumerFixtures.tempDir("ck-dead-"), "--max-offsets-per-trigger", "300",
                "--available-now");
        try (consumer.Running run = consumer.start(ConsumerFixtures.spark(), s)) {
            assertTrue(run.query().awaitTermination(TimeUnit.MINUTES.toMillis(5)));
            ConsumerFixtures.await(Duration.ofMinutes(2), "progress of every input row",
                    () -> run.progress().records().stream()
                            .mapToLong(ProgressRecord::inputRows).sum() == payloads.size());
            assertEquals(bad.size(), run.progress().records().stream()
                    .mapToLong(ProgressRecord::invalid).sum(), "invalid records counted");
        }

        MongoDatabase db = stack.mongo().getDatabase(dbName);
        GroundTruth truth = ConsumerFixtures.assertStoredEqualsTruth(stack.kafkaBootstrap(),
                topic, new Windows(s.window(), s.slide()), db);
        assertEquals(bad.size(), truth.invalid());

        List<Document> letters = db.getCollection(KpiSchema.INVALID_COLLECTION).find()
                .into(new ArrayList<>());
        assertEquals(bad.size(), letters.size(), "one invalid_events document per bad record");
        Set<String> coordinates = new HashSet<>();
        for (Document d : letters) {
            String payload = d.getString(KpiSchema.PAYLOAD);
            assertEquals(bad.get(payload).code(), d.getString(KpiSchema.REASON), payload);
            assertEquals(topic, d.getString(KpiSchema.TOPIC));
            assertTrue(d.getString(KpiSchema.DETAIL) != null
                    && !d.getString(KpiSchema.DETAIL).isBlank());
            coordinates.add(d.getInteger(KpiSchema.PARTITION) + "/" + d.getLong(KpiSchema.OFFSET));
            // The record's Kafka timestamp (its send time), in epoch milliseconds.
            long kafkaTime = d.getDate(KpiSchema.KAFKA_TIMESTAMP).getTime();
            assertTrue(kafkaTime >= sentFrom - 1000 && kafkaTime <= sentTo + 1000,
                    kafkaTime + " not within the send, " + sentFrom + ".." + sentTo);
        }
        assertEquals(bad.size(), coordinates.size());
    }
}
