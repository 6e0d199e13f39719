package analytics.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Frees disk in a Spark Structured Streaming checkpoint without breaking recovery.
 *
 * <p>A checkpoint folder holds {@code metadata} (the query id), {@code sources/} (each source's
 * initial offsets), {@code offsets/<batch>} (what each micro-batch read, written before it
 * runs), {@code commits/<batch>} (written when it is done) and {@code state/<operator>/<partition>/}
 * with versioned state files: {@code <v>.delta} and {@code <v>.snapshot} (HDFS-backed store),
 * {@code <v>.changelog} and {@code <v>.zip} (RocksDB store; {@code <v>_<id>.*} in checkpoint
 * format 2). Batch {@code b} runs on state version {@code b} and commits version {@code b + 1}.
 * Hadoop writes a checksum sibling {@code .<name>.crc} next to each file.
 *
 * <p>What is kept: the last {@code keep} committed batches as aligned offset/commit pairs (one
 * more when the latest planned batch is committed: Spark reads the offsets of the batch before
 * it on restart), any batch planned but not committed, and, in every state store, the newest snapshot at or before
 * the version the oldest kept batch starts from and everything after it. What goes: older
 * offsets, commits and state files, checksums whose file is gone, and the temporary files of
 * writes a crash interrupted. Never touched: {@code metadata}, {@code sources/}, {@code _metadata}
 * folders, RocksDB's shared {@code SSTs/} (Spark's maintenance owns them), anything unknown.
 */
public final class CheckpointCleaner {
    /** Spark's default {@code spark.sql.streaming.minBatchesToRetain}. */
    public static final int SPARK_MIN_BATCHES_TO_RETAIN = 100;
    /** How many folder levels below the base {@link #findCheckpoints} looks. */
    public static final int SEARCH_DEPTH = 4;

    private static final Pattern BATCH = Pattern.compile("\\d+");
    private static final Pattern STATE_FILE =
            Pattern.compile("(\\d+)(?:_[0-9A-Za-z-]+)?\\.(delta|snapshot|changelog|zip)");

    private CheckpointCleaner() {
    }

    /** Why a file may go. */
    public enum Category {
        OFFSETS("offsets of old batches"),
        COMMITS("commits of old batches"),
        STATE("state files older than the oldest kept batch needs"),
        TEMPORARY("temporary files of interrupted writes"),
        ORPHAN_CHECKSUM("checksums whose file is gone");

        private final String description;

        Category(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** One file that may go. */
    public record Removal(Path path, long bytes, Category category) {
    }

    /** Reports progress of long scans and deletions. */
    public interface Progress {
        Progress NONE = new Progress() {
        };

        /** Called every so often while scanning. */
        default void scanned(long files) {
        }

        /** Called every so often while deleting. */
        default void deleted(long done, long total) {
        }
    }

    /**
     * What a cleanup of one query's checkpoint would remove, and why. {@code oldestKept} is the
     * oldest committed batch left on disk once the plan is applied (-1 when none is committed).
     */
    public record Plan(Path checkpoint, long latestCommitted, long oldestKept, int keep,
                       long filesScanned, long bytesScanned, List<Removal> removals) {
        public long bytes() {
            return removals.stream().mapToLong(Removal::bytes).sum();
        }

        /** Files and bytes by category, in category order. */
        public Map<Category, long[]> byCategory() {
            Map<Category, long[]> out = new EnumMap<>(Category.class);
            for (Removal r : removals) {
                long[] c = out.computeIfAbsent(r.category(), k -> new long[2]);
                c[0]++;
                c[1] += r.bytes();
            }
            return out;
        }
    }

    /** What {@link #apply} did. */
    public record Result(long files, long bytes, List<String> failures) {
    }

    /** The path is not a Spark checkpoint and holds none. */
    public static final class NotACheckpointException extends RuntimeException {
        NotACheckpointException(String message) {
            super(message);
        }
    }

    /**
     * The checkpoints at {@code base}: itself if it is one, else the folders below it that are,
     * up to {@value #SEARCH_DEPTH} levels down (the consumer's {@code --checkpoint-base} holds
     * one per query; the demo's is one level further down, {@code demo-<time>/interactions}).
     * Never looks inside a checkpoint it found.
     */
    public static List<Path> findCheckpoints(Path base) {
        if (!Files.isDirectory(base)) {
            throw new NotACheckpointException(base + " is not a folder");
        }
        List<Path> out = new ArrayList<>();
        collectCheckpoints(base, SEARCH_DEPTH, out);
        if (out.isEmpty()) {
            throw new NotACheckpointException(base + " is not a Spark checkpoint (no metadata "
                    + "file) and holds none up to " + SEARCH_DEPTH + " levels down");
        }
        Collections.sort(out);
        return List.copyOf(out);
    }

    private static void collectCheckpoints(Path dir, int depth, List<Path> out) {
        if (SparkCheckpoint.isCheckpoint(dir)) {
            out.add(dir);
            return;
        }
        if (depth == 0) {
            return;
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path child : children) {
            collectCheckpoints(child, depth - 1, out);
        }
    }

    /** Plans the cleanup of one checkpoint; reads only. */
    public static Plan plan(Path checkpoint, int keep, Progress progress) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, was " + keep);
        }
        if (!SparkCheckpoint.isCheckpoint(checkpoint)) {
            throw new NotACheckpointException(checkpoint + " is not a Spark checkpoint");
        }
        Scan scan = new Scan(progress);
        TreeMap<Long, Path> offsets = scan.batches(checkpoint.resolve("offsets"));
        TreeMap<Long, Path> commits = scan.batches(checkpoint.resolve("commits"));
        List<Removal> removals = new ArrayList<>();
        long latest = commits.isEmpty() ? -1 : commits.lastKey();
        // On restart Spark reads the offsets of the batch before the latest planned one, so the
        // count starts from there when the latest planned batch is also committed.
        long anchor = offsets.isEmpty() ? latest : Math.min(latest, offsets.lastKey() - 1);
        long oldestKept = Math.max(0, anchor - keep + 1);
        if (latest >= 0) {
            removeBelow(offsets, oldestKept, Category.OFFSETS, scan, removals);
            removeBelow(commits, oldestKept, Category.COMMITS, scan, removals);
            Path state = checkpoint.resolve("state");
            if (Files.isDirectory(state)) {
                for (List<StateFile> files : scan.stateStores(state).values()) {
                    planStore(files, oldestKept, scan, removals);
                }
            }
        }
        removals.addAll(scan.junk);
        // What stays on disk, not the arithmetic bound: older batches may be gone already (an
        // earlier cleanup with a smaller --keep, or Spark's own purge).
        long oldestLeft = latest < 0 ? -1 : commits.ceilingKey(oldestKept);
        return new Plan(checkpoint, latest, oldestLeft, keep, scan.files, scan.bytes,
                Collections.unmodifiableList(dedupe(removals)));
    }

    private static void removeBelow(TreeMap<Long, Path> batches, long oldestKept, Category c,
                                    Scan scan, List<Removal> out) {
        for (Path p : batches.headMap(oldestKept, false).values()) {
            scan.addWithChecksum(p, c, out);
        }
    }

    private static void planStore(List<StateFile> files, long version, Scan scan,
                                  List<Removal> out) {
        long base = -1;
        for (StateFile f : files) {
            if (f.snapshot && f.version <= version && f.version > base) {
                base = f.version;
            }
        }
        if (base < 0) {
            return; // no snapshot yet: every delta from the start is needed
        }
        for (StateFile f : files) {
            if (f.version < base) {
                scan.addWithChecksum(f.path, Category.STATE, out);
            }
        }
    }

    private static List<Removal> dedupe(List<Removal> in) {
        Set<Path> seen = new HashSet<>();
        List<Removal> out = new ArrayList<>(in.size());
        for (Removal r : in) {
            if (seen.add(r.path())) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Deletes what the plan lists. Holds the checkpoint's lock meanwhile, so a consumer cannot
     * start on it half-way.
     *
     * @throws CheckpointLock.LockedException when a consumer is running on it
     */
    public static Result apply(Plan plan, Progress progress) {
        try (CheckpointLock lock = CheckpointLock.acquire(plan.checkpoint())) {
            long files = 0;
            long bytes = 0;
            List<String> failures = new ArrayList<>();
            long total = plan.removals().size();
            for (Removal r : plan.removals()) {
                try {
                    if (Files.deleteIfExists(r.path())) {
                        files++;
                        bytes += r.bytes();
                    }
                } catch (IOException e) {
                    failures.add(r.path() + ": " + e.getMessage());
                }
                if ((files & 1023) == 0) {
                    progress.deleted(files, total);
                }
            }
            progress.deleted(files, total);
            return new Result(files, bytes, failures);
        }
    }

    private record StateFile(Path path, long version, boolean snapshot) {
    }

    /** One pass over the folders that matter, with sizes, checksums and leftovers noted. */
    private static final class Scan {
        private final Progress progress;
        private final Map<Path, Long> sizes = new HashMap<>();
        private final List<Removal> junk = new ArrayList<>();
        private long files;
        private long bytes;

        Scan(Progress progress) {
            this.progress = progress;
        }

        /** Numbered batch files of {@code dir}; notes temporary files and orphan checksums. */
        TreeMap<Long, Path> batches(Path dir) {
            TreeMap<Long, Path> out = new TreeMap<>();
            for (Path p : list(dir)) {
                String name = p.getFileName().toString();
                if (BATCH.matcher(name).matches()) {
                    out.put(Long.parseLong(name), p);
                }
            }
            return out;
        }

        /** State files grouped by the store folder that holds them. */
        Map<Path, List<StateFile>> stateStores(Path state) {
            Map<Path, List<StateFile>> out = new TreeMap<>();
            try {
                Files.walkFileTree(state, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                        String name = dir.getFileName().toString();
                        if (name.equals("_metadata") || name.equals("SSTs")
                                || name.startsWith("_")) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (!dir.equals(state)) {
                            for (Path p : list(dir)) {
                                Matcher m = STATE_FILE.matcher(p.getFileName().toString());
                                if (m.matches()) {
                                    boolean snap = m.group(2).equals("snapshot")
                                            || m.group(2).equals("zip");
                                    out.computeIfAbsent(dir, k -> new ArrayList<>()).add(
                                            new StateFile(p, Long.parseLong(m.group(1)), snap));
                                }
                            }
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + state + ": " + e.getMessage(), e);
            }
            return out;
        }

        /** Regular files of {@code dir} (sizes remembered); temporaries and orphans noted. */
        List<Path> list(Path dir) {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            List<Path> checksums = new ArrayList<>();
            try (var stream = Files.newDirectoryStream(dir)) {
                for (Path p : stream) {
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class);
                    } catch (NoSuchFileException e) {
                        continue;
                    }
                    if (!a.isRegularFile()) {
                        continue;
                    }
                    String name = p.getFileName().toString();
                    sizes.put(p, a.size());
                    names.add(name);
                    files++;
                    bytes += a.size();
                    if ((files & 4095) == 0) {
                        progress.scanned(files);
                    }
                    if (name.startsWith(".") && (name.endsWith(".tmp")
                            || name.endsWith(".tmp.crc"))) {
                        junk.add(new Removal(p, a.size(), Category.TEMPORARY));
                    } else if (name.startsWith(".") && name.endsWith(".crc")) {
                        checksums.add(p);
                    } else {
                        out.add(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            for (Path c : checksums) {
                String name = c.getFileName().toString();
                String of = name.substring(1, name.length() - ".crc".length());
                if (!names.contains(of)) {
                    junk.add(new Removal(c, sizes.get(c), Category.ORPHAN_CHECKSUM));
                }
            }
            return out;
        }

        /** Adds {@code p} and its checksum sibling, if there is one. */
        void addWithChecksum(Path p, Category c, List<Removal> out) {
            out.add(new Removal(p, sizes.getOrDefault(p, 0L), c));
            Path crc = p.resolveSibling("." + p.getFileName() + ".crc");
            Long size = sizes.get(crc);
            if (size != null) {
                out.add(new Removal(crc, size, c));
            }
        }
    }
}
