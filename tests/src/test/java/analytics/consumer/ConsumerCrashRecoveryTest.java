package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A consumer killed with SIGKILL mid-stream and restarted ends exactly as a clean run. */
@ExtendWith(StackExtension.class)
class ConsumerCrashRecoveryTest {

    @Test
    void killNineMidStreamThenRestartStaysExact(TestStack stack) throws Exception {
        Fixture f = fixture(stack, 3, ConsumerFixtures.events(3000, ConsumerFixtures.T0,
                Duration.ofMinutes(60), 40, 25, 99), "ck-crash-", 150);

        try (Scripts.Running first = Scripts.start("consumer", f.args())) {
            awaitBatchesWithData(first, f.db(), 3);
            first.kill();
            assertTrue(Files.exists(f.base().resolve("interactions/.consumer.lock")),
                    "a SIGKILL leaves the lock behind");
        }
        long stored = f.db().getCollection(Aggregate.USER.collection()).countDocuments();
        assertTrue(stored > 0, "some documents before the crash");

        String[] drain = concat(f.args(), "--available-now");
        Scripts.Result second = Scripts.run(Duration.ofMinutes(5), "consumer", drain);
        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.stdout().contains("batch "), second.output());
        assertTrue(second.stdout().contains("(resuming from the checkpoint)"), second.output());
        assertTrue(second.stdout().contains("consumer: done: "), second.output());
        assertFalse(Files.exists(f.base().resolve("interactions/.consumer.lock")),
                "a clean exit releases the lock");

        ConsumerFixtures.assertStoredEqualsTruth(stack.kafkaBootstrap(), f.topic(),
                ConsumerFixtures.DEFAULT_WINDOWS, f.db());
    }

    @Test
    void sigtermMidStreamStopsCleanlyWithExitZeroAndARestartStaysExact(TestStack stack)
            throws Exception {
        Fixture f = fixture(stack, 2, ConsumerFixtures.events(2000, ConsumerFixtures.T0,
                Duration.ofMinutes(40), 30, 20, 7), "ck-term-", 200);

        Scripts.Result stopped;
        try (Scripts.Running first = Scripts.start("consumer", f.args())) {
            awaitBatchesWithData(first, f.db(), 2);
            stopped = first.terminate(Duration.ofMinutes(2));
        }
        assertEquals(0, stopped.exitCode(), stopped.output());
        assertTrue(stopped.stderr().contains("consumer: SIGTERM: stopping the query"),
                stopped.output());
        assertFalse(stopped.output().contains("Exception"), stopped.output());
        assertTrue(stopped.stdout().contains("consumer: stopped: "), stopped.output());
        boolean ferretDb = f.db().runCommand(new org.bson.Document("buildInfo", 1))
                .containsKey("ferretdbVersion");
        assertTrue(stopped.stdout().contains("(bulks of " + (ferretDb ? 50 : 1000) + ")"),
                "the bulk size suits the server (FerretDB: " + ferretDb + ")\n"
                + stopped.output());
        assertFalse(Files.exists(f.base().resolve("interactions/.consumer.lock")),
                "a clean stop releases the lock");

        // Spark keeps the checkpoint's shuffle partitions; the consumer says so.
        Scripts.Result second = Scripts.run(Duration.ofMinutes(5), "consumer",
                concat(f.args(), "--available-now", "--shuffle-partitions", "2"));
        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.stderr().contains("consumer: this checkpoint keeps 1 shuffle partition "
                + "(Spark fixes the number at the first batch), not the 2 of "
                + "--shuffle-partitions"), second.output());
        ConsumerFixtures.assertStoredEqualsTruth(stack.kafkaBootstrap(), f.topic(),
                ConsumerFixtures.DEFAULT_WINDOWS, f.db());
    }

    /** A topic holding the events, a fresh database and checkpoint, the consumer's flags. */
    private record Fixture(String topic, Path base, String[] args, MongoDatabase db) {
    }

    private static Fixture fixture(TestStack stack, int partitions, List<InteractionEvent> events,
                                   String checkpointPrefix, int maxOffsetsPerTrigger) {
        String topic = stack.createTopic(partitions);
        String dbName = stack.newDatabaseName();
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(events));
        Path base = ConsumerFixtures.tempDir(checkpointPrefix);
        String[] args = {"--brokers", stack.kafkaBootstrap(), "--topic", topic,
            "--mongo-uri", stack.mongoUri(), "--db", dbName, "--checkpoint-base",
            base.toString(), "--max-offsets-per-trigger", "" + maxOffsetsPerTrigger,
            "--master", "local[2]"};
        return new Fixture(topic, base, args, stack.mongo().getDatabase(dbName));
    }

    /** Waits until the running consumer has recorded {@code n} micro-batches with data. */
    private static void awaitBatchesWithData(Scripts.Running consumer, MongoDatabase db, int n) {
        ConsumerFixtures.await(Duration.ofMinutes(5), n + " micro-batches with data", () -> {
            if (!consumer.process().isAlive()) {
                throw new AssertionError("consumer exited early\n" + consumer.stderr());
            }
            return db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                    .countDocuments(Filters.gt("input_rows", 0)) >= n;
        });
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
