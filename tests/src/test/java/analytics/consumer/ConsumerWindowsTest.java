package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.core.Windows;
import analytics.mongo.ProgressRecord;
import analytics.testkit.GroundTruth;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The stored window counts equal an independent recount of the topic. */
@ExtendWith(StackExtension.class)
class ConsumerWindowsTest {

    @Test
    void slidingWindowCountsEqualGroundTruthAcrossMicroBatches(TestStack stack) throws Exception {
        drainAndCompare(stack, "10m", "5m");
    }

    @Test
    void tumblingWindowCountsEqualGroundTruthAcrossMicroBatches(TestStack stack)
            throws Exception {
        drainAndCompare(stack, "10m", "10m");
    }

    private static void drainAndCompare(TestStack stack, String window, String slide)
            throws Exception {
        String topic = stack.createTopic(3);
        String dbName = stack.newDatabaseName();
        // In event-time order over 40 minutes: no event is behind the watermark, so every
        // event must be counted; 2,000 events in batches of at most 250 records.
        List<InteractionEvent> events = ConsumerFixtures.events(2000, ConsumerFixtures.T0,
                Duration.ofMinutes(40), 40, 25, 42);
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(events));

        consumer.Settings s = ConsumerFixtures.settings(stack, topic, dbName,
                ConsumerFixtures.tempDir("ck-windows-"), "--window", window, "--slide", slide,
                "--max-offsets-per-trigger", "250", "--available-now");
        long started = System.currentTimeMillis();
        try (consumer.Running run = consumer.start(ConsumerFixtures.spark(), s)) {
            assertTrue(run.query().awaitTermination(TimeUnit.MINUTES.toMillis(5)),
                    "drained within 5 minutes");
            ConsumerFixtures.await(Duration.ofMinutes(2), "progress of every input row",
                    () -> run.progress().records().stream()
                            .mapToLong(ProgressRecord::inputRows).sum() == events.size());
            long dataBatches = run.progress().records().stream()
                    .filter(r -> r.inputRows() > 0).count();
            assertTrue(dataBatches >= 8, "several micro-batches, got " + dataBatches);
            // Each batch's newest event was counted at the batch's end, after the start of the
            // run and before now: its age lies between those bounds.
            long first = events.stream().mapToLong(InteractionEvent::epochMillis).min()
                    .orElseThrow();
            long last = events.stream().mapToLong(InteractionEvent::epochMillis).max()
                    .orElseThrow();
            long now = System.currentTimeMillis();
            for (ProgressRecord r : run.progress().records()) {
                if (r.inputRows() > 0) {
                    assertTrue(r.newestEventAgeMs() >= started - last
                            && r.newestEventAgeMs() <= now - first, r.line());
                }
            }
        }

        GroundTruth truth = ConsumerFixtures.assertStoredEqualsTruth(stack.kafkaBootstrap(),
                topic, new Windows(s.window(), s.slide()), stack.mongo().getDatabase(dbName));
        assertEquals(events.size(), truth.events().size());
    }
}
