package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.ProgressRecord;
import analytics.testkit.GroundTruth;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events behind the watermark are not counted, but they are counted as late. */
@ExtendWith(StackExtension.class)
class ConsumerLateEventsTest {

    @Test
    void eventsBehindTheWatermarkAreDroppedAndCounted(TestStack stack) throws Exception {
        String topic = stack.createTopic(2);
        String dbName = stack.newDatabaseName();
        String bootstrap = stack.kafkaBootstrap();
        consumer.Settings s = ConsumerFixtures.settings(stack, topic, dbName,
                ConsumerFixtures.tempDir("ck-late-"), "--trigger", "0s");
        Instant t0 = ConsumerFixtures.T0;
        int lateEvents = 20;
        try (consumer.Running run = consumer.start(ConsumerFixtures.spark(), s)) {
            // On time: 8 minutes of events, then one an hour later that moves the watermark
            // (10 minutes) to 50 minutes past the start.
            ConsumerFixtures.send(bootstrap, topic, ConsumerFixtures.encode(
                    ConsumerFixtures.events(300, t0, Duration.ofMinutes(8), 20, 10, 3)));
            run.query().processAllAvailable();
            ConsumerFixtures.send(bootstrap, topic, ConsumerFixtures.encode(List.of(
                    new InteractionEvent("user_0", "item_0", InteractionType.CLICK,
                            t0.plus(Duration.ofMinutes(60))))));
            run.query().processAllAvailable();
            Instant expectedWatermark = t0.plus(Duration.ofMinutes(50));
            ConsumerFixtures.await(Duration.ofSeconds(60), "the watermark to reach "
                    + expectedWatermark, () -> {
                        StreamingQueryProgress p = run.query().lastProgress();
                        String wm = p == null ? null : p.eventTime().get("watermark");
                        return wm != null && !Instant.parse(wm).isBefore(expectedWatermark);
                    });
            // Late: event times in windows that ended long before the watermark; each with its
            // own user and item, so each is one user row and one item row per window.
            List<InteractionEvent> late = new ArrayList<>();
            for (int i = 0; i < lateEvents; i++) {
                late.add(new InteractionEvent("late_user_" + i, "late_item_" + i,
                        InteractionType.VIEW, t0.plusSeconds(60 + i)));
            }
            ConsumerFixtures.send(bootstrap, topic, ConsumerFixtures.encode(late));
            run.query().processAllAvailable();
            ConsumerFixtures.await(Duration.ofMinutes(2), "progress of every input row",
                    () -> run.progress().records().stream()
                            .mapToLong(ProgressRecord::inputRows).sum() == 301 + lateEvents);
            long lateRows = run.progress().records().stream()
                    .mapToLong(ProgressRecord::lateRows).sum();
            // Sliding 10m/5m: every late event falls in two windows, as a user and an item row.
            assertEquals(lateEvents * 2L * 2L, lateRows, "late rows dropped by the watermark");
        }

        Windows windows = new Windows(s.window(), s.slide());
        GroundTruth onTime = GroundTruth.of(GroundTruth.readAll(bootstrap, topic), windows,
                e -> !e.userId().startsWith("late_"));
        MongoDatabase db = stack.mongo().getDatabase(dbName);
        assertEquals(onTime.users(), ConsumerFixtures.stored(db, Aggregate.USER));
        assertEquals(onTime.items(), ConsumerFixtures.stored(db, Aggregate.ITEM));
        assertTrue(db.getCollection("pipeline_progress").countDocuments() > 0);
    }
}
