package analytics.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.checkpoint.CheckpointCleaner.Category;
import analytics.checkpoint.CheckpointCleaner.Plan;
import analytics.checkpoint.CheckpointCleaner.Removal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner on checkpoint trees laid out as Spark lays them out (HDFS and RocksDB stores). */
class CheckpointCleanerTest {
    @TempDir
    Path tmp;

    /** A checkpoint with batches 0..last committed (offsets up to lastPlanned). */
    private Path checkpoint(String name, int lastCommitted, int lastPlanned) throws IOException {
        Path c = tmp.resolve(name);
        write(c.resolve("metadata"), "{\"id\":\"q\"}");
        write(c.resolve("sources/0/0"), "v1");
        for (int b = 0; b <= lastPlanned; b++) {
            write(c.resolve("offsets/" + b), "offsets " + b);
            if (b <= lastCommitted) {
                write(c.resolve("commits/" + b), "commit " + b);
            }
        }
        write(c.resolve("state/0/_metadata/metadata"), "op");
        return c;
    }

    /** HDFS store files for versions 1..last with snapshots at the given versions. */
    private static void hdfsStore(Path dir, int last, int... snapshots) throws IOException {
        for (int v = 1; v <= last; v++) {
            write(dir.resolve(v + ".delta"), "delta " + v);
        }
        for (int s : snapshots) {
            write(dir.resolve(s + ".snapshot"), "snapshot " + s);
        }
    }

    /** Writes a file and its Hadoop checksum sibling. */
    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        Files.writeString(p.resolveSibling("." + p.getFileName() + ".crc"), "crc");
    }

    private static Set<String> names(Plan plan) {
        return plan.removals().stream()
                .map(r -> plan.checkpoint().relativize(r.path()).toString())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void keepsTheLastBatchesAsAlignedPairsPlusTheOneSparkReadsOnRestart() throws IOException {
        Path c = checkpoint("q", 9, 9);
        Plan plan = CheckpointCleaner.plan(c, 3, CheckpointCleaner.Progress.NONE);
        assertEquals(9, plan.latestCommitted());
        assertEquals(6, plan.oldestKept()); // 6,7,8 kept for K=3, plus 9 (offsets 8 read)
        for (int b = 0; b < 6; b++) {
            assertTrue(names(plan).contains("offsets/" + b));
            assertTrue(names(plan).contains("offsets/." + b + ".crc"));
            assertTrue(names(plan).contains("commits/" + b));
        }
        for (int b = 6; b <= 9; b++) {
            assertFalse(names(plan).contains("offsets/" + b));
            assertFalse(names(plan).contains("commits/" + b));
        }
    }

    @Test
    void neverPlansToRemoveAPlannedButUncommittedBatch() throws IOException {
        Path c = checkpoint("q", 7, 8);
        Plan plan = CheckpointCleaner.plan(c, 1, CheckpointCleaner.Progress.NONE);
        assertEquals(7, plan.oldestKept());
        assertFalse(names(plan).contains("offsets/8"));
        assertFalse(names(plan).contains("offsets/7"));
        assertFalse(names(plan).contains("commits/7"));
        assertTrue(names(plan).contains("offsets/6"));
    }

    @Test
    void keepsTheNewestSnapshotAtOrBeforeTheOldestKeptBatchAndEverythingAfter()
            throws IOException {
        Path c = checkpoint("q", 29, 29);
        hdfsStore(c.resolve("state/0/0"), 30, 10, 20, 30);
        hdfsStore(c.resolve("state/0/1"), 30); // no snapshot yet: all deltas needed
        Plan plan = CheckpointCleaner.plan(c, 5, CheckpointCleaner.Progress.NONE);
        assertEquals(24, plan.oldestKept());
        Set<String> gone = names(plan);
        for (int v = 1; v < 20; v++) {
            assertTrue(gone.contains("state/0/0/" + v + ".delta"), "delta " + v);
            assertTrue(gone.contains("state/0/0/." + v + ".delta.crc"), "crc " + v);
        }
        assertTrue(gone.contains("state/0/0/10.snapshot"));
        for (int v = 20; v <= 30; v++) {
            assertFalse(gone.contains("state/0/0/" + v + ".delta"), "delta " + v);
        }
        assertFalse(gone.contains("state/0/0/20.snapshot"));
        assertTrue(gone.stream().noneMatch(n -> n.startsWith("state/0/1/")));
        assertTrue(gone.stream().allMatch(n -> !n.contains("_metadata")));
    }

    @Test
    void understandsRocksDbChangelogsAndZipsAndLeavesSharedSstsAlone() throws IOException {
        Path c = checkpoint("q", 40, 40);
        Path store = c.resolve("state/0/0");
        for (int v = 1; v <= 41; v++) {
            write(store.resolve(v + ".changelog"), "c");
        }
        write(store.resolve("11.zip"), "z");
        write(store.resolve("31_5f0c9a3e-1b2c-4d5e-8f90-123456789abc.zip"), "z");
        write(store.resolve("SSTs/000008-abc.sst"), "sst");
        Plan plan = CheckpointCleaner.plan(c, 5, CheckpointCleaner.Progress.NONE);
        Set<String> gone = names(plan);
        assertTrue(gone.contains("state/0/0/30.changelog"));
        assertTrue(gone.contains("state/0/0/11.zip"));
        assertFalse(gone.contains("state/0/0/31.changelog"));
        assertFalse(gone.contains("state/0/0/31_5f0c9a3e-1b2c-4d5e-8f90-123456789abc.zip"));
        assertTrue(gone.stream().noneMatch(n -> n.contains("SSTs")));
    }

    @Test
    void removesTemporaryFilesOfInterruptedWritesAndOrphanChecksums() throws IOException {
        Path c = checkpoint("q", 3, 3);
        Files.writeString(c.resolve("offsets/.4.68ffa503-d9be-4b99-8cea-edf6127f9ddc.tmp"), "x");
        Files.writeString(c.resolve("offsets/..4.68ffa503-d9be-4b99-8cea-edf6127f9ddc.tmp.crc"),
                "x");
        Files.writeString(c.resolve("commits/.17.crc"), "x");
        Plan plan = CheckpointCleaner.plan(c, 100, CheckpointCleaner.Progress.NONE);
        assertEquals(Set.of("offsets/.4.68ffa503-d9be-4b99-8cea-edf6127f9ddc.tmp",
                "offsets/..4.68ffa503-d9be-4b99-8cea-edf6127f9ddc.tmp.crc", "commits/.17.crc"),
                names(plan));
        assertEquals(Set.of(Category.TEMPORARY, Category.ORPHAN_CHECKSUM),
                plan.byCategory().keySet());
    }

    @Test
    void neverTouchesMetadataOrSources() throws IOException {
        Path c = checkpoint("q", 50, 50);
        hdfsStore(c.resolve("state/0/0"), 51, 40);
        Plan plan = CheckpointCleaner.plan(c, 1, CheckpointCleaner.Progress.NONE);
        assertFalse(plan.removals().isEmpty());
        for (Removal r : plan.removals()) {
            String n = c.relativize(r.path()).toString();
            assertFalse(n.startsWith("sources") || n.startsWith("metadata")
                    || n.startsWith(".metadata") || n.contains("_metadata"), n);
        }
    }

    @Test
    void applyDeletesExactlyThePlanAndReportsTheBytes() throws IOException {
        Path c = checkpoint("q", 20, 21);
        hdfsStore(c.resolve("state/0/0"), 21, 10);
        Set<String> before = files(c);
        Plan plan = CheckpointCleaner.plan(c, 5, CheckpointCleaner.Progress.NONE);
        CheckpointCleaner.Result result = CheckpointCleaner.apply(plan,
                CheckpointCleaner.Progress.NONE);
        assertEquals(plan.removals().size(), result.files());
        assertEquals(plan.bytes(), result.bytes());
        Set<String> expected = new TreeSet<>(before);
        expected.removeAll(names(plan));
        assertEquals(expected, files(c));
        assertFalse(Files.exists(c.resolve(CheckpointLock.FILE_NAME)), "lock released");
    }

    @Test
    void aDryRunPlanDeletesNothing() throws IOException {
        Path c = checkpoint("q", 20, 20);
        Set<String> before = files(c);
        CheckpointCleaner.plan(c, 2, CheckpointCleaner.Progress.NONE);
        assertEquals(before, files(c));
    }

    @Test
    void findsOneCheckpointPerQueryUnderTheBaseAndRefusesOtherFolders() throws IOException {
        checkpoint("a", 1, 1);
        checkpoint("b", 1, 1);
        Files.createDirectories(tmp.resolve("not-a-query"));
        assertEquals(List.of(tmp.resolve("a"), tmp.resolve("b")),
                CheckpointCleaner.findCheckpoints(tmp));
        assertEquals(List.of(tmp.resolve("a")), CheckpointCleaner.findCheckpoints(tmp.resolve("a")));
        assertThrows(CheckpointCleaner.NotACheckpointException.class,
                () -> CheckpointCleaner.findCheckpoints(tmp.resolve("not-a-query")));
        assertThrows(CheckpointCleaner.NotACheckpointException.class,
                () -> CheckpointCleaner.findCheckpoints(tmp.resolve("missing")));
    }

    @Test
    void findsCheckpointsNestedUpToTheSearchDepthWithoutLookingInsideOne() throws IOException {
        checkpoint("base/interactions", 1, 1);
        checkpoint("base/demo-1/interactions", 1, 1); // the demo's layout
        checkpoint("base/a/b/c/interactions", 1, 1); // 4 levels down: the bound
        checkpoint("base/a/b/c/d/interactions", 1, 1); // 5 levels down: too deep
        checkpoint("base/interactions/state/0/nested", 1, 1); // inside a checkpoint
        Files.createDirectories(tmp.resolve("base/empty/x"));
        Path base = tmp.resolve("base");
        assertEquals(List.of(base.resolve("a/b/c/interactions"),
                base.resolve("demo-1/interactions"), base.resolve("interactions")),
                CheckpointCleaner.findCheckpoints(base));
        assertEquals(List.of(base.resolve("demo-1/interactions")),
                CheckpointCleaner.findCheckpoints(base.resolve("demo-1")));
        CheckpointCleaner.NotACheckpointException e = assertThrows(
                CheckpointCleaner.NotACheckpointException.class,
                () -> CheckpointCleaner.findCheckpoints(base.resolve("empty")));
        assertTrue(e.getMessage().contains("holds none up to " + CheckpointCleaner.SEARCH_DEPTH
                + " levels down"), e.getMessage());
    }

    @Test
    void theOldestKeptBatchIsTheOldestLeftOnDiskAfterAnEarlierCleanup() throws IOException {
        Path c = checkpoint("q", 4, 4);
        Plan first = CheckpointCleaner.plan(c, 2, CheckpointCleaner.Progress.NONE);
        assertEquals(2, first.oldestKept());
        CheckpointCleaner.apply(first, CheckpointCleaner.Progress.NONE);
        Plan later = CheckpointCleaner.plan(c, 100, CheckpointCleaner.Progress.NONE);
        assertEquals(4, later.latestCommitted());
        assertEquals(2, later.oldestKept()); // batches 0 and 1 are gone, not kept
        assertTrue(later.removals().isEmpty(), names(later).toString());
        // Spark's own purge leaves the same kind of hole.
        Path purged = checkpoint("purged", 9, 9);
        for (int b = 0; b < 6; b++) {
            Files.delete(purged.resolve("offsets/" + b));
            Files.delete(purged.resolve("commits/" + b));
        }
        assertEquals(6, CheckpointCleaner.plan(purged, 100, CheckpointCleaner.Progress.NONE)
                .oldestKept());
    }

    @Test
    void applyRefusesWhileTheCheckpointIsLocked() throws IOException {
        Path c = checkpoint("q", 20, 20);
        Plan plan = CheckpointCleaner.plan(c, 2, CheckpointCleaner.Progress.NONE);
        Set<String> before = files(c);
        try (CheckpointLock lock = CheckpointLock.acquire(c)) {
            assertThrows(CheckpointLock.LockedException.class,
                    () -> CheckpointCleaner.apply(plan, CheckpointCleaner.Progress.NONE));
        }
        assertEquals(before, files(c));
    }
}
