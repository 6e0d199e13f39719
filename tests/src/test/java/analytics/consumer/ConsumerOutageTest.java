package analytics.consumer;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.InteractionEvent;
import analytics.testkit.GroundTruth;
import analytics.testkit.Ports;
import analytics.testkit.Scripts;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that goes away under a live consumer and comes back: the consumer carries on and
 * ends exact. Each test runs a stack of its own (the shared servers cannot be stopped).
 */
class ConsumerOutageTest {
    /**
     * Longer than the Mongo client's 30 s server selection (without the writer's own retries
     * the batch would fail), short of Spark's ~3 min for Kafka and the writer's 3 min.
     */
    private static final Duration OUTAGE = Duration.ofSeconds(45);
    private static final String KAFKA_RECONNECT = "could not be established";
    private static final String MONGO_RETRY = "MongoDB is not answering (";

    @TempDir
    Path tmp;

    @Test
    void aBrokerBackWithinSparksRetriesIsResumedExactlyAndItsWarningsAreRateLimited()
            throws Exception {
        String during = outage("kafka", "memory", KAFKA_RECONNECT);
        long warnings = during.lines().filter(l -> l.contains(KAFKA_RECONNECT)).count();
        // Kafka's client tries about once a second: ~45 lines without the rate limit.
        assertTrue(warnings >= 1 && warnings <= 4, warnings + " reconnect warnings in "
                + OUTAGE.toSeconds() + " s (one per 30 s expected)\n" + during);
    }

    @Test
    void aMongoServerBackWithinTheWritersPatienceGetsTheBatchAndNothingIsLost()
            throws Exception {
        // On the H2 file, which keeps the documents across the restart (memory would not).
        String during = outage("mongo", "mongo-java-server", MONGO_RETRY);
        assertFalse(during.contains("stopped answering"), during);
        assertTrue(during.lines().anyMatch(l -> l.startsWith(MONGO_RETRY)
                && l.contains("sent again in")), during);
    }

    /**
     * Starts a stack of its own ({@code backend} for Mongo) and a live consumer on 1,000 events;
     * stops {@code server} ("kafka" or "mongo") for {@link #OUTAGE} while 1,000 more events
     * arrive (during the outage when Kafka is up, after it otherwise); brings it back and checks
     * that the documents equal the ground truth of all 2,000 events. Returns what the consumer
     * printed until the outage's end, which includes {@code noticed}.
     */
    private String outage(String server, String backend, String noticed) throws Exception {
        int[] ports = Ports.free(3);
        String brokers = "localhost:" + ports[0];
        String mongoUri = "mongodb://localhost:" + ports[2];
        String[] stack = {"--storage", tmp.resolve("stack").toString(), "--kafka-port",
            "" + ports[0], "--controller-port", "" + ports[1], "--mongo-port", "" + ports[2],
            "--mongo-backend", backend};
        Scripts.Result up = ConsumerFixtures.stackCommand("up", stack);
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
            String duringOutage;
            Scripts.Result stopped;
            try (Scripts.Running consumer = Scripts.start("consumer", "--brokers", brokers,
                    "--topic", topic, "--mongo-uri", mongoUri, "--db", "outage_test",
                    "--checkpoint-base", tmp.resolve("ck").toString(), "--trigger", "1s",
                    "--master", "local[2]")) {
                ConsumerFixtures.awaitCounted(consumer, db, before.size());
                assertTrue(consumer.stdout().contains("(bulks of 1000)"), "mongo-java-server "
                        + "takes the default bulk size\n" + ConsumerFixtures.printed(consumer));

                ProcessHandle process = ProcessHandle.of(Long.parseLong(Files.readString(
                        tmp.resolve("stack/run/" + server + ".pid")).trim())).orElseThrow();
                process.destroy();
                process.onExit().get(1, TimeUnit.MINUTES);
                long outageEnds = System.nanoTime() + OUTAGE.toNanos();
                if (!server.equals("kafka")) {
                    ConsumerFixtures.send(brokers, topic, ConsumerFixtures.encode(after));
                }
                ConsumerFixtures.await(OUTAGE.plusSeconds(30), "the consumer to notice", () -> {
                    if (!consumer.process().isAlive()) {
                        throw new AssertionError("the consumer exited during the outage\n"
                                + ConsumerFixtures.printed(consumer));
                    }
                    return ConsumerFixtures.printed(consumer).contains(noticed);
                });
                // The outage lasts OUTAGE whatever the consumer does: that is the scenario.
                ConsumerFixtures.await(OUTAGE.plusSeconds(30), "the outage's end",
                        () -> System.nanoTime() > outageEnds);
                duringOutage = ConsumerFixtures.printed(consumer);
                assertTrue(consumer.process().isAlive(), "the consumer outlived the outage\n"
                        + duringOutage);

                Scripts.Result back = ConsumerFixtures.stackCommand("up", stack);
                assertEquals(0, back.exitCode(), back.output());
                if (server.equals("kafka")) {
                    ConsumerFixtures.send(brokers, topic, ConsumerFixtures.encode(after));
                }
                ConsumerFixtures.awaitCounted(consumer, db, before.size() + after.size());
                stopped = consumer.terminate(Duration.ofMinutes(2));
            }
            assertEquals(0, stopped.exitCode(), stopped.output());
            GroundTruth truth = ConsumerFixtures.assertStoredEqualsTruth(brokers, topic,
                    ConsumerFixtures.DEFAULT_WINDOWS, db);
            assertEquals(before.size() + after.size(), truth.events().size());
            return duringOutage;
        } finally {
            ConsumerFixtures.stackCommand("down", stack);
        }
    }
}
