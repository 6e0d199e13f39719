package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import analytics.core.InteractionEvent;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.testkit.GroundTruth;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code --starting-offsets latest} counts only what arrives after the start. */
@ExtendWith(StackExtension.class)
class ConsumerStartingOffsetsTest {

    @Test
    void latestSkipsHistory(TestStack stack) throws Exception {
        String topic = stack.createTopic(2);
        String dbName = stack.newDatabaseName();
        String bootstrap = stack.kafkaBootstrap();
        List<InteractionEvent> history = ConsumerFixtures.events(300, ConsumerFixtures.T0,
                Duration.ofMinutes(9), 10, 10, 11);
        ConsumerFixtures.send(bootstrap, topic, ConsumerFixtures.encode(history));

        consumer.Settings s = ConsumerFixtures.settings(stack, topic, dbName,
                ConsumerFixtures.tempDir("ck-latest-"), "--starting-offsets", "latest");
        List<byte[]> fresh = ConsumerFixtures.encode(ConsumerFixtures.events(200,
                ConsumerFixtures.T0.plus(Duration.ofMinutes(5)), Duration.ofMinutes(4), 10, 10,
                12));
        try (consumer.Running run = consumer.start(ConsumerFixtures.spark(), s)) {
            // Returns once a trigger found nothing new: the start offsets are fixed by then.
            run.query().processAllAvailable();
            ConsumerFixtures.send(bootstrap, topic, fresh);
            run.query().processAllAvailable();
        }
        Windows windows = new Windows(s.window(), s.slide());
        GroundTruth expected = GroundTruth.of(fresh, windows);
        MongoDatabase db = stack.mongo().getDatabase(dbName);
        assertFalse(expected.users().isEmpty());
        assertEquals(expected.users(), ConsumerFixtures.stored(db, Aggregate.USER));
        assertEquals(expected.items(), ConsumerFixtures.stored(db, Aggregate.ITEM));
    }
}
