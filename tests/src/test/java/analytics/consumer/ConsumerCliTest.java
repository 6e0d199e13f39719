package analytics.consumer;

import analytics.scripts.consumer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.checkpoint.CheckpointLock;
import analytics.core.Defaults;
import analytics.core.ExitCode;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags, defaults and the clear one-line errors of the consumer. */
@ExtendWith(StackExtension.class)
class ConsumerCliTest {

    @Test
    void defaultsAreTheOriginals() {
        consumer.Settings s = consumer.parse();
        assertEquals(Defaults.WINDOW, s.window());
        assertEquals(Defaults.SLIDE, s.slide());
        assertEquals(Defaults.WATERMARK, s.watermark());
        assertEquals(Defaults.DB, s.db());
        assertEquals("earliest", s.startingOffsets());
        assertTrue(s.checkpointBase().isAbsolute());
        assertTrue(s.checkpointBase().endsWith(Path.of("storage", "checkpoint")),
                s.checkpointBase().toString());
        assertEquals("local[*]", s.master());
        assertEquals(0, s.minPartitions(), "a task per topic partition");
        assertEquals(1, s.shufflePartitions());
        assertEquals(0, s.bulkSize(), "auto: the server decides");
        assertEquals(500, consumer.parse("--bulk-size", "500").bulkSize());
    }

    @Test
    void tumblingWhenSlideEqualsWindow() {
        consumer.Settings s = consumer.parse("--window", "30s", "--slide", "30s",
                "--watermark", "0", "--trigger", "500ms");
        assertEquals(Duration.ofSeconds(30), s.slide());
        assertEquals(Duration.ZERO, s.watermark());
        assertEquals(Duration.ofMillis(500), s.trigger());
    }

    @Test
    void badFlagValuesNameTheFlagAndExitWithTwo() {
        for (String[] args : new String[][] {
            {"--window", "ten"}, {"--slide", "20m"}, {"--starting-offsets", "middle"},
            {"--mongo-uri", "http://x"}, {"--max-offsets-per-trigger", "-1"},
            {"--min-partitions", "-1"}, {"--shuffle-partitions", "0"}, {"--no-such"},
            {"--bulk-size", "0"}, {"--bulk-size", "many"},
            {"-X", "no.such.setting=1"}, {"-X", "max.poll.records=many"},
            {"-X", "auto.offset.reset=latest"}, {"-X", "bootstrap.servers=other:9092"},
            {"--kafka-config", "/no/such/client.properties"}}) {
            StringWriter err = new StringWriter();
            CommandLine cl = consumer.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            assertEquals(2, code, String.join(" ", args) + " -> " + err);
            String text = err.toString().trim();
            assertFalse(text.contains("\n"), "one line: " + text);
            assertTrue(text.contains(args[0]), "names " + args[0] + ": " + text);
        }
    }

    @Test
    void readsTenThousandRecordsAPollUnlessToldOtherwise() {
        // Spark's source re-seeks after every poll; Kafka's 500 a poll made reading 25% slower.
        assertEquals("10000", consumer.parse().kafka().get("max.poll.records"));
        assertEquals("500", consumer.parse("-X", "max.poll.records=500").kafka()
                .get("max.poll.records"));
    }

    @Test
    void kafkaConfigFileThenOverridesReachTheSource(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                + "client.id=from-file\n");
        var kafka = consumer.parse("--kafka-config", file.toString(),
                "-X", "client.id=from-flag").kafka();
        assertEquals("SASL_SSL", kafka.get("security.protocol"));
        assertEquals("PLAIN", kafka.get("sasl.mechanism"));
        assertEquals("from-flag", kafka.get("client.id"));
        assertEquals("10000", kafka.get("max.poll.records"));
    }

    @Test
    void unreachableKafkaIsOneClearLine(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String out = captureErr(() -> assertEquals(ExitCode.UNREACHABLE,
                consumer.commandLine().execute("--brokers", "127.0.0.1:1", "--mongo-uri",
                        stack.mongoUri(), "--checkpoint-base", dir.toString(),
                        "--connect-timeout", "5s")));
        assertTrue(out.contains("consumer: Kafka at 127.0.0.1:1 not reachable within 5s ("), out);
        assertTrue(out.contains("consumer: waiting for Kafka at 127.0.0.1:1 (attempt 1: "), out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void availableNowOnAMissingTopicReadsNothingAndExitsZero(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String topic = "missing-" + UUID.randomUUID();
        String out = captureErr(() -> assertEquals(0, consumer.commandLine().execute(
                "--brokers", stack.kafkaBootstrap(), "--topic", topic,
                "--mongo-uri", stack.mongoUri(), "--checkpoint-base", dir.toString(),
                "--available-now")));
        assertTrue(out.contains("topic " + topic + " does not exist on "), out);
        assertTrue(out.contains("nothing to read"), out);
    }

    @Test
    void aLiveConsumerWaitsForItsTopicToBeCreated(TestStack stack) throws Exception {
        String topic = "later-" + UUID.randomUUID();
        consumer.Settings s = consumer.parse("--brokers", stack.kafkaBootstrap(), "--topic", topic,
                "--mongo-uri", stack.mongoUri());
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(
                () -> consumer.awaitServers(s));
        // Still waiting while the topic is missing (Spark's source would fail on it).
        assertThrows(TimeoutException.class, () -> ready.get(3, TimeUnit.SECONDS));
        stack.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all()
                .get(30, TimeUnit.SECONDS);
        assertTrue(ready.get(30, TimeUnit.SECONDS));
    }

    @Test
    void unreachableMongoIsOneClearLineWithTheUriMasked(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String out = captureErr(() -> assertEquals(ExitCode.UNREACHABLE,
                consumer.commandLine().execute("--brokers", stack.kafkaBootstrap(), "--topic",
                        stack.createTopic(1), "--mongo-uri",
                        "mongodb://admin:s3cret@127.0.0.1:1/?authSource=admin",
                        "--checkpoint-base", dir.toString(), "--connect-attempts", "1")));
        assertTrue(out.contains("consumer: MongoDB at mongodb://admin:****@127.0.0.1:1/"
                + "?authSource=admin not reachable after 1 attempt: Connection refused"), out);
        assertTrue(out.contains("--connect-attempts is deprecated"), out);
        assertFalse(out.contains("s3cret") || out.contains("Client view"), out);
    }

    @Test
    void changedQueryShapeAsksForANewCheckpointBase() throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        consumer.Settings first = consumer.parse("--checkpoint-base", dir.toString());
        first.shape().checkOrStore(first.checkpoint(), "test");
        // What Spark writes first when a query starts on the checkpoint.
        Files.writeString(dir.resolve(consumer.QUERY_NAME).resolve("metadata"), "{\"id\":\"x\"}");
        String out = captureErr(() -> assertEquals(ExitCode.CONFLICT, consumer.commandLine()
                .execute("--checkpoint-base", dir.toString(), "--window", "20m", "--slide",
                        "20m")));
        assertTrue(out.contains("--window was 10m, now 20m"), out);
        assertTrue(out.contains("--slide was 5m, now 20m"), out);
        assertTrue(out.contains("new --checkpoint-base"), out);
    }

    @Test
    void aRunThatNeverStartedItsQueryDoesNotTieTheCheckpointToItsFlags(TestStack stack)
            throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String out = captureErr(() -> assertEquals(ExitCode.UNREACHABLE, consumer.commandLine()
                .execute("--brokers", "127.0.0.1:1", "--topic", "typo-topic", "--mongo-uri",
                        stack.mongoUri(), "--checkpoint-base", dir.toString(),
                        "--connect-timeout", "1s")));
        assertTrue(out.contains("not reachable"), out);
        String topic = "missing-" + UUID.randomUUID();
        String again = captureErr(() -> assertEquals(0, consumer.commandLine().execute(
                "--brokers", stack.kafkaBootstrap(), "--topic", topic,
                "--mongo-uri", stack.mongoUri(), "--checkpoint-base", dir.toString(),
                "--available-now")));
        assertTrue(again.contains("nothing to read"), again);
        assertFalse(again.contains("different query"), again);
    }

    @Test
    void aHeldCheckpointLockRefusesASecondConsumer() throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        Path ck = dir.resolve(consumer.QUERY_NAME);
        try (CheckpointLock held = CheckpointLock.acquire(ck)) {
            String out = captureErr(() -> assertEquals(ExitCode.CONFLICT, consumer.commandLine()
                    .execute("--checkpoint-base", dir.toString())));
            assertTrue(out.contains("in use by a running consumer or cleanup (pid "
                    + ProcessHandle.current().pid() + ")"), out);
        }
    }

    private static String captureErr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
