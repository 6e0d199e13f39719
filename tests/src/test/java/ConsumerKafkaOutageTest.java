import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.mongo.KpiSchema;
import analytics.testkit.GroundTruth;
import analytics.testkit.Ports;
import analytics.testkit.Scripts;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that goes away under a live consumer and comes back within Spark's retries: the
 * consumer carries on and ends exact, and Kafka's reconnect warnings are one per 30 s instead
 * of one a second. The test runs a stack of its own (the shared broker cannot be stopped).
 */
class ConsumerKafkaOutageTest {
    /** Long enough for ~45 reconnect warnings without the limit, short of Spark's ~3 min. */
    private static final Duration OUTAGE = Duration.ofSeconds(45);
    private static final String RECONNECT = "could not be established";

    @TempDir
    Path tmp;

    @Test
    void aBrokerBackWithinTheRetriesIsResumedExactlyAndItsWarningsAreRateLimited()
            throws Exception {
        int[] ports = Ports.free(3);
        String brokers = "localhost:" + ports[0];
        String mongoUri = "mongodb://localhost:" + ports[2];
        String[] stack = {"--storage", tmp.resolve("stack").toString(), "--kafka-port",
            "" + ports[0], "--controller-port", "" + ports[1], "--mongo-port", "" + ports[2]};
        Scripts.Result up = stackCommand("up", stack, "--mongo-backend", "memory");
        assertEquals(0, up.exitCode(), up.output());
        try (MongoClient mongo = MongoClients.create(mongoUri)) {
            String topic = "outage";
            List<InteractionEvent> before = ConsumerFixtures.events(1000, ConsumerFixtures.T0,
                    Duration.ofMinutes(30), 30, 20, 11);
            List<InteractionEvent> after = ConsumerFixtures.events(1000,
                    ConsumerFixtures.T0.plus(Duration.ofMinutes(30)), Duration.ofMinutes(30),
                    30, 20, 12);
            ConsumerFixtures.send(brokers, topic, ConsumerFixtures.encode(before));
            MongoDatabase db = mongo.getDatabase("outage_test");
            Scripts.Result stopped;
            try (Scripts.Running consumer = Scripts.start("consumer", "--brokers", brokers,
                    "--topic", topic, "--mongo-uri", mongoUri, "--db", "outage_test",
                    "--checkpoint-base", tmp.resolve("ck").toString(), "--trigger", "1s",
                    "--master", "local[2]")) {
                awaitCounted(consumer, db, before.size());
                assertTrue(consumer.stdout().contains("(bulks of 1000)"),
                        "mongo-java-server takes the default bulk size\n" + printed(consumer));

                ProcessHandle kafka = ProcessHandle.of(Long.parseLong(Files.readString(
                        tmp.resolve("stack/run/kafka.pid")).trim())).orElseThrow();
                kafka.destroy();
                kafka.onExit().get(1, java.util.concurrent.TimeUnit.MINUTES);
                long outageEnds = System.nanoTime() + OUTAGE.toNanos();
                ConsumerFixtures.await(OUTAGE.plusSeconds(30), "the consumer to notice",
                        () -> printed(consumer).contains(RECONNECT));
                // The outage lasts OUTAGE whatever the consumer does: that is the scenario.
                ConsumerFixtures.await(OUTAGE.plusSeconds(30), "the outage's end",
                        () -> System.nanoTime() > outageEnds);
                String duringOutage = printed(consumer);
                assertTrue(consumer.process().isAlive(), "the consumer outlived the outage\n"
                        + duringOutage);

                Scripts.Result back = stackCommand("up", stack);
                assertEquals(0, back.exitCode(), back.output());
                ConsumerFixtures.send(brokers, topic, ConsumerFixtures.encode(after));
                awaitCounted(consumer, db, before.size() + after.size());
                stopped = consumer.terminate(Duration.ofMinutes(2));

                long warnings = duringOutage.lines().filter(l -> l.contains(RECONNECT)).count();
                assertTrue(warnings >= 1 && warnings <= 4, warnings + " reconnect warnings in "
                        + OUTAGE.toSeconds() + " s (one per 30 s expected)\n" + duringOutage);
            }
            assertEquals(0, stopped.exitCode(), stopped.output());
            GroundTruth truth = ConsumerFixtures.assertStoredEqualsTruth(brokers, topic,
                    ConsumerFixtures.DEFAULT_WINDOWS, db);
            assertEquals(before.size() + after.size(), truth.events().size());
        } finally {
            stackCommand("down", stack);
        }
    }

    /** Waits until the consumer's micro-batches have read {@code rows} records in all. */
    private static void awaitCounted(Scripts.Running consumer, MongoDatabase db, long rows) {
        ConsumerFixtures.await(Duration.ofMinutes(5), rows + " records counted", () -> {
            if (!consumer.process().isAlive()) {
                throw new AssertionError("consumer exited early\n" + printed(consumer));
            }
            long n = 0;
            for (Document d : db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                    .find(Filters.gt("input_rows", 0))) {
                n += ((Number) d.get("input_rows")).longValue();
            }
            return n >= rows;
        });
    }

    private static String printed(Scripts.Running r) {
        return r.stdout() + r.stderr();
    }

    private static Scripts.Result stackCommand(String subcommand, String[] stack,
                                               String... extra) {
        String[] args = new String[1 + stack.length + extra.length];
        args[0] = subcommand;
        System.arraycopy(stack, 0, args, 1, stack.length);
        System.arraycopy(extra, 0, args, 1 + stack.length, extra.length);
        return Scripts.run(Duration.ofMinutes(5), "stack", args);
    }
}
