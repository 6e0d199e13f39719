package analytics.cleanup;

import analytics.scripts.consumer;
import analytics.testkit.ConsumerFixtures;
import analytics.scripts.cleanup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.checkpoint.CheckpointLock;
import analytics.core.InteractionEvent;
import analytics.mongo.KpiSchema;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** The cleanup script on checkpoints written by the real consumer. */
@ExtendWith(StackExtension.class)
class CleanupTest {

    /** Runs the cleanup command in this JVM; returns exit code and output. */
    private static Scripts.Result cleanup(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = cleanup.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Scripts.Result(code, out.toString(), err.toString());
    }

    /** Every file under {@code root} with its size. */
    private static Map<String, Long> tree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            Map<String, Long> out = new TreeMap<>();
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.size(p));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long bytes(Map<String, Long> tree) {
        return tree.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Drains the topic in small micro-batches with the in-process consumer. */
    private static void drain(TestStack stack, String topic, String db, Path base) {
        consumer.Settings s = ConsumerFixtures.settings(stack, topic, db, base,
                "--max-offsets-per-trigger", "100", "--available-now");
        try (consumer.Running run = consumer.start(ConsumerFixtures.spark(), s)) {
            assertTrue(run.query().awaitTermination(TimeUnit.MINUTES.toMillis(5)),
                    "drained within 5 minutes");
        } catch (Exception e) {
            throw new AssertionError("consumer run failed", e);
        }
    }

    @Test
    void consumerRestartsFromACleanedCheckpointAndEndsEqualToGroundTruth(TestStack stack) {
        String topic = stack.createTopic(2);
        String dbName = stack.newDatabaseName();
        Path base = ConsumerFixtures.tempDir("ck-cleanup-");
        List<InteractionEvent> first = ConsumerFixtures.events(2000, ConsumerFixtures.T0,
                Duration.ofMinutes(40), 30, 20, 7);
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(first));
        drain(stack, topic, dbName, base);

        Map<String, Long> before = tree(base);
        Scripts.Result dry = cleanup("--checkpoint-base", base.toString(), "--keep", "3");
        assertEquals(0, dry.exitCode(), dry.output());
        assertEquals(before, tree(base), "a dry run deletes nothing");
        assertTrue(dry.stdout().contains("Run with --apply"), dry.output());

        Scripts.Result applied = cleanup("--checkpoint-base", base.toString(), "--keep", "3",
                "--apply");
        assertEquals(0, applied.exitCode(), applied.output());
        Map<String, Long> after = tree(base);
        assertTrue(bytes(after) < bytes(before), "freed bytes: " + bytes(before) + " -> "
                + bytes(after) + "\n" + applied.output());
        assertTrue(after.keySet().stream().anyMatch(n -> n.startsWith("interactions/offsets/")));
        for (String kept : List.of("interactions/metadata", "interactions/sources/0/0")) {
            assertEquals(before.get(kept), after.get(kept), kept + " untouched");
        }

        // Later events, event times after the first ones: the restarted consumer counts them on
        // top of the state it recovers from the cleaned checkpoint.
        List<InteractionEvent> second = ConsumerFixtures.events(600,
                ConsumerFixtures.T0.plus(Duration.ofMinutes(40)), Duration.ofMinutes(10), 30,
                20, 8);
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(second));
        drain(stack, topic, dbName, base);

        ConsumerFixtures.assertStoredEqualsTruth(stack.kafkaBootstrap(), topic,
                ConsumerFixtures.DEFAULT_WINDOWS, stack.mongo().getDatabase(dbName));
    }

    @Test
    void findsTheDemosNestedCheckpointAndReportsTheBatchesLeftAfterAnApply(TestStack stack) {
        String topic = stack.createTopic(2);
        String dbName = stack.newDatabaseName();
        Path base = ConsumerFixtures.tempDir("ck-cleanup-nested-");
        // As scripts/demo.sh runs it: --checkpoint-base <base>/demo-<time>.
        Path query = base.resolve("demo-1").resolve(consumer.QUERY_NAME);
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(
                ConsumerFixtures.events(1000, ConsumerFixtures.T0, Duration.ofMinutes(20), 20,
                        10, 11)));
        drain(stack, topic, dbName, base.resolve("demo-1"));

        Scripts.Result dry = cleanup("--checkpoint-base", base.toString(), "--keep", "2");
        assertEquals(0, dry.exitCode(), dry.output());
        assertTrue(dry.stdout().contains("(1 query)")
                && dry.stdout().contains("demo-1/interactions: "), dry.output());
        assertTrue(dry.stdout().contains("Run with --apply"), dry.output());

        // The lock rule holds for a nested checkpoint too.
        Map<String, Long> before = tree(base);
        try (CheckpointLock lock = CheckpointLock.acquire(query)) {
            Scripts.Result r = cleanup("--checkpoint-base", base.toString(), "--keep", "2",
                    "--apply");
            assertEquals(cleanup.REFUSED, r.exitCode(), r.output());
            assertTrue(r.stderr().contains("a consumer is running on " + query), r.output());
        }
        assertEquals(before, tree(base), "refused, yet files changed");

        Scripts.Result applied = cleanup("--checkpoint-base", base.toString(), "--keep", "2",
                "--apply");
        assertEquals(0, applied.exitCode(), applied.output());
        Map<String, Long> after = tree(base);
        assertTrue(bytes(after) < bytes(before), applied.output());
        for (String kept : List.of("demo-1/interactions/metadata",
                "demo-1/interactions/sources/0/0")) {
            assertEquals(before.get(kept), after.get(kept), kept + " untouched");
        }
        List<Long> commits = after.keySet().stream()
                .filter(n -> n.matches("demo-1/interactions/commits/\\d+"))
                .map(n -> Long.parseLong(n.substring(n.lastIndexOf('/') + 1))).sorted()
                .toList();
        long oldest = commits.get(0);
        long latest = commits.get(commits.size() - 1);
        assertTrue(oldest > 0, "the apply removed the first batches: " + commits);

        // A later run keeping more than is left reports what is on disk, not 0..latest.
        Scripts.Result later = cleanup("--checkpoint-base", base.toString(), "--keep", "100");
        assertEquals(0, later.exitCode(), later.output());
        assertTrue(later.stdout().contains("latest committed batch " + latest
                + ", keeping batches " + oldest + ".." + latest + " "), later.output());
        assertTrue(later.stdout().contains("Nothing to free."), later.output());
        assertEquals(after, tree(base), "a dry run deletes nothing");
    }

    @Test
    void refusesWhileAConsumerProcessRunsOnTheCheckpoint(TestStack stack) {
        String topic = stack.createTopic(1);
        String dbName = stack.newDatabaseName();
        Path base = ConsumerFixtures.tempDir("ck-cleanup-live-");
        ConsumerFixtures.send(stack.kafkaBootstrap(), topic, ConsumerFixtures.encode(
                ConsumerFixtures.events(200, ConsumerFixtures.T0, Duration.ofMinutes(5), 5, 5,
                        3)));
        MongoDatabase db = stack.mongo().getDatabase(dbName);
        try (Scripts.Running live = Scripts.start("consumer", "--brokers", stack.kafkaBootstrap(),
                "--topic", topic, "--mongo-uri", stack.mongoUri(), "--db", dbName,
                "--checkpoint-base", base.toString(), "--master", "local[1]")) {
            ConsumerFixtures.await(Duration.ofMinutes(3), "a committed micro-batch", () -> {
                if (!live.process().isAlive()) {
                    throw new AssertionError("consumer exited early\n" + live.stderr());
                }
                return db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                        .countDocuments(Filters.gt("input_rows", 0)) >= 1;
            });
            Map<String, Long> before = tree(base);
            Scripts.Result r = cleanup("--checkpoint-base", base.toString(), "--apply",
                    "--keep", "1");
            assertEquals(cleanup.REFUSED, r.exitCode(), r.output());
            assertTrue(r.stderr().contains("a consumer is running on")
                    && r.stderr().contains("pid " + live.pid()), r.output());
            Map<String, Long> after = tree(base);
            for (String f : before.keySet()) {
                assertTrue(f.contains(".tmp") || after.containsKey(f), "refused, yet " + f
                        + " is gone");
            }
        }
        // Once the consumer is gone (killed: its marker stays behind), cleanup proceeds.
        assertTrue(CheckpointLock.holder(base.resolve(consumer.QUERY_NAME)).isEmpty());
        Scripts.Result r = cleanup("--checkpoint-base", base.toString(), "--keep", "1");
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void refusesAFolderThatIsNotASparkCheckpoint() throws IOException {
        Path dir = Files.createTempDirectory("not-a-checkpoint-");
        Files.writeString(dir.resolve("notes.txt"), "hello");
        Scripts.Result r = cleanup("--checkpoint-base", dir.toString(), "--apply");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.stderr().contains("is not a Spark checkpoint"), r.output());
        assertEquals(List.of("notes.txt"), List.copyOf(tree(dir).keySet()));
    }

    @Test
    void aKeepBelowOneFromTheEnvironmentNamesTheVariable() throws IOException {
        Path dir = Files.createTempDirectory("cleanup-env-");
        Scripts.Result r = Scripts.run(Duration.ofMinutes(3), Map.of("CLEANUP_KEEP", "0"),
                "cleanup", "--checkpoint-base", dir.toString());
        assertEquals(2, r.exitCode(), r.output());
        List<String> lines = r.stderr().strip().lines()
                .filter(l -> !l.startsWith("[jbang]")).toList();
        assertEquals(List.of("cleanup: --keep (env CLEANUP_KEEP) must be at least 1, was 0 "
                + "(see --help)"), lines, r.output());
        // On the command line the flag speaks for itself, whatever the environment says.
        Scripts.Result flag = Scripts.run(Duration.ofMinutes(3), Map.of("CLEANUP_KEEP", "5"),
                "cleanup", "--checkpoint-base", dir.toString(), "--keep", "0");
        assertEquals(2, flag.exitCode(), flag.output());
        assertTrue(flag.stderr().contains("cleanup: --keep must be at least 1, was 0"),
                flag.output());
        Scripts.Result word = Scripts.run(Duration.ofMinutes(3), Map.of("CLEANUP_KEEP", "abc"),
                "cleanup", "--checkpoint-base", dir.toString());
        assertEquals(2, word.exitCode(), word.output());
        assertTrue(word.stderr().contains("'abc' is not an int (from env CLEANUP_KEEP)"),
                word.output());
    }

    @Test
    void badFlagValuesAreOneLineUsageErrors() {
        Scripts.Result r = cleanup("--keep", "0");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.stderr().startsWith("cleanup: --keep must be at least 1"), r.output());
        assertEquals(1, r.stderr().strip().lines().count(), r.output());
        Scripts.Result unknown = cleanup("--frobnicate");
        assertEquals(2, unknown.exitCode(), unknown.output());
        assertTrue(unknown.stderr().contains("--frobnicate"), unknown.output());
    }
}
