import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.checkpoint.CheckpointLock;
import analytics.core.Defaults;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
            {"--min-partitions", "-1"}, {"--shuffle-partitions", "0"}, {"--no-such"}}) {
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
    void unreachableKafkaIsOneClearLine(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String out = captureErr(() -> assertEquals(1, consumer.commandLine().execute(
                "--brokers", "127.0.0.1:1", "--mongo-uri", stack.mongoUri(),
                "--checkpoint-base", dir.toString(), "--connect-attempts", "1")));
        assertTrue(out.contains("Kafka at 127.0.0.1:1 not reachable after 1 attempts"), out);
    }

    @Test
    void unreachableMongoIsOneClearLineWithTheUriMasked(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        String out = captureErr(() -> assertEquals(1, consumer.commandLine().execute(
                "--brokers", stack.kafkaBootstrap(), "--topic", stack.createTopic(1),
                "--mongo-uri", "mongodb://admin:s3cret@127.0.0.1:1/?authSource=admin",
                "--checkpoint-base", dir.toString(), "--connect-attempts", "1")));
        assertTrue(out.contains("MongoDB at mongodb://admin:****@127.0.0.1:1"), out);
        assertFalse(out.contains("s3cret"), out);
    }

    @Test
    void changedQueryShapeAsksForANewCheckpointBase() throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        consumer.checkShape(consumer.parse("--checkpoint-base", dir.toString()));
        String out = captureErr(() -> assertEquals(3, consumer.commandLine().execute(
                "--checkpoint-base", dir.toString(), "--window", "20m", "--slide", "20m")));
        assertTrue(out.contains("--window was 10m, now 20m"), out);
        assertTrue(out.contains("--slide was 5m, now 20m"), out);
        assertTrue(out.contains("new --checkpoint-base"), out);
    }

    @Test
    void aHeldCheckpointLockRefusesASecondConsumer() throws Exception {
        Path dir = Files.createTempDirectory("ck-cli-");
        Path ck = dir.resolve(consumer.QUERY_NAME);
        try (CheckpointLock held = CheckpointLock.acquire(ck)) {
            String out = captureErr(() -> assertEquals(3, consumer.commandLine().execute(
                    "--checkpoint-base", dir.toString())));
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
