///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Frees disk from the consumer's Spark checkpoints without breaking recovery:
//DESCRIPTION keeps the last K committed batches and the state they need. Dry run by default.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/cli/*.java
//SOURCES ../lib-src/src/main/java/analytics/checkpoint/*.java

package analytics.scripts;

import analytics.checkpoint.CheckpointCleaner;
import analytics.checkpoint.CheckpointCleaner.Category;
import analytics.checkpoint.CheckpointCleaner.NotACheckpointException;
import analytics.checkpoint.CheckpointCleaner.Plan;
import analytics.checkpoint.CheckpointCleaner.Removal;
import analytics.checkpoint.CheckpointCleaner.Result;
import analytics.checkpoint.CheckpointLock;
import analytics.cli.Cli;
import analytics.core.ExitCode;
import analytics.core.ProjectPaths;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Checkpoint cleanup for ops runbooks.
 *
 * <pre>
 *   ./jbang cleanup                       # dry run on storage/checkpoint: what would go
 *   ./jbang cleanup --apply               # delete it
 *   ./jbang cleanup --checkpoint-base /data/ckpt --keep 200 --apply
 * </pre>
 *
 * <p>Works on the consumer's {@code --checkpoint-base} (one checkpoint per query, found up to
 * {@value CheckpointCleaner#SEARCH_DEPTH} levels down, so the demo's
 * {@code storage/checkpoint/demo-<time>/interactions} too) or on one query's checkpoint. Keeps
 * the last {@code --keep} committed batches with their offsets, and every state file needed to
 * rebuild the state of the oldest one; never touches {@code metadata} or {@code sources/}.
 * Refuses while a consumer holds the checkpoint's lock.
 * Exit codes: 0 done, 1 failed, 2 usage, 4 refused because a consumer is running.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        versionProvider = Cli.VersionProvider.class,
        sortOptions = false,
        description = "Frees disk from Spark checkpoints without breaking recovery. Dry run by "
                + "default; stop the consumer first (cleanup refuses while it runs).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (or nothing to free)",
            "1:failed: not a checkpoint, or an I/O error (one line says which)",
            ExitCode.USAGE_LINE, "4:conflict: a consumer is running on the checkpoint"})
public class cleanup implements Callable<Integer> {
    public static final int REFUSED = ExitCode.CONFLICT;
    static final int LIST_LIMIT = 50;

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint-base", paramLabel = "DIR",
            defaultValue = "${env:CHECKPOINT_BASE}",
            description = "The consumer's checkpoint base or one query's checkpoint; "
                    + "checkpoints are found up to " + CheckpointCleaner.SEARCH_DEPTH
                    + " levels down, e.g. demo-<time>/interactions (env CHECKPOINT_BASE; "
                    + "default: the project's storage/checkpoint).")
    Path checkpointBase;

    @Option(names = "--keep", paramLabel = "K", defaultValue = "${env:CLEANUP_KEEP:-100}",
            description = "Committed batches to keep per query (env CLEANUP_KEEP; default "
                    + "${DEFAULT-VALUE}, Spark's spark.sql.streaming.minBatchesToRetain).")
    int keep;

    @Option(names = "--apply", description = "Delete. Without it, only show what would go.")
    boolean apply;

    @Option(names = "--list", description = "List every file that would go (a dry run shows "
            + "the first " + LIST_LIMIT + ").")
    boolean list;

    @Option(names = {"-q", "--quiet"}, description = "Only the summary lines.")
    boolean quiet;

    public static void main(String... args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with the project's conventions ({@link Cli#commandLine}). */
    public static CommandLine commandLine() {
        return Cli.commandLine(new cleanup(), "cleanup");
    }

    @Override
    public Integer call() {
        if (keep < 1) {
            // Not on the command line: the value came from CLEANUP_KEEP (the built-in is 100).
            boolean fromEnv = !spec.commandLine().getParseResult().hasMatchedOption("--keep");
            throw new ParameterException(spec.commandLine(), "--keep"
                    + (fromEnv ? " (env CLEANUP_KEEP)" : "") + " must be at least 1, was " + keep);
        }
        Path base = (checkpointBase != null ? checkpointBase
                : ProjectPaths.defaultCheckpointBase("cleanup.java")).toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> queries;
        try {
            queries = CheckpointCleaner.findCheckpoints(base);
        } catch (NotACheckpointException | UncheckedIOException e) {
            err.println("cleanup: " + e.getMessage());
            return ExitCode.FAILED;
        }
        // Refuse before reading anything else when a consumer runs on any of them.
        for (Path q : queries) {
            Optional<Long> holder = CheckpointLock.holder(q);
            if (holder.isPresent()) {
                err.println("cleanup: refused: a consumer is running on " + q
                        + (holder.get() > 0 ? " (pid " + holder.get() + ")" : "")
                        + "; stop it first");
                return REFUSED;
            }
        }
        if (keep < CheckpointCleaner.SPARK_MIN_BATCHES_TO_RETAIN && !quiet) {
            out.printf("note: --keep %d is below Spark's minBatchesToRetain (%d): the consumer "
                    + "can still restart, but fewer old batches stay available%n", keep,
                    CheckpointCleaner.SPARK_MIN_BATCHES_TO_RETAIN);
        }
        out.printf("%s %s (%d %s)%n", apply ? "Cleaning" : "Dry run on", base, queries.size(),
                queries.size() == 1 ? "query" : "queries");
        long totalFiles = 0;
        long totalBytes = 0;
        for (Path q : queries) {
            Progress progress = new Progress(err, quiet);
            Plan plan;
            try {
                plan = CheckpointCleaner.plan(q, keep, progress);
            } catch (UncheckedIOException e) {
                err.println("cleanup: " + e.getMessage());
                return ExitCode.FAILED;
            }
            progress.done();
            report(out, base, plan);
            if (apply && !plan.removals().isEmpty()) {
                Result r;
                try {
                    r = CheckpointCleaner.apply(plan, progress);
                } catch (CheckpointLock.LockedException e) {
                    err.println("cleanup: refused: " + e.getMessage() + "; stop it first");
                    return REFUSED;
                }
                progress.done();
                out.printf("  deleted %,d files, freed %s%n", r.files(), bytes(r.bytes()));
                if (!r.failures().isEmpty()) {
                    r.failures().forEach(f -> err.println("cleanup: cannot delete " + f));
                    return ExitCode.FAILED;
                }
                totalFiles += r.files();
                totalBytes += r.bytes();
            } else {
                totalFiles += plan.removals().size();
                totalBytes += plan.bytes();
            }
        }
        if (apply) {
            out.printf("Freed %s in %,d files.%n", bytes(totalBytes), totalFiles);
        } else if (totalFiles == 0) {
            out.println("Nothing to free.");
        } else {
            out.printf("Dry run: nothing deleted. Run with --apply to free %s in %,d files.%n",
                    bytes(totalBytes), totalFiles);
        }
        return 0;
    }

    private void report(PrintWriter out, Path base, Plan plan) {
        String name = base.equals(plan.checkpoint()) ? plan.checkpoint().getFileName().toString()
                : base.relativize(plan.checkpoint()).toString();
        if (plan.latestCommitted() < 0) {
            out.printf("%s: no committed batch yet (%,d files, %s)%n", name, plan.filesScanned(),
                    bytes(plan.bytesScanned()));
        } else {
            out.printf("%s: %,d files, %s; latest committed batch %d, keeping batches %d..%d "
                    + "and the state they need%n", name, plan.filesScanned(),
                    bytes(plan.bytesScanned()), plan.latestCommitted(), plan.oldestKept(),
                    plan.latestCommitted());
        }
        for (Map.Entry<Category, long[]> e : plan.byCategory().entrySet()) {
            out.printf("  %-52s %,9d files %10s%n", e.getKey().description(), e.getValue()[0],
                    bytes(e.getValue()[1]));
        }
        if (quiet || (apply && !list)) {
            return;
        }
        List<Removal> shown = new ArrayList<>(plan.removals());
        int limit = list ? shown.size() : Math.min(LIST_LIMIT, shown.size());
        for (Removal r : shown.subList(0, limit)) {
            out.printf("    %s%n", plan.checkpoint().relativize(r.path()));
        }
        if (limit < shown.size()) {
            out.printf("    … and %,d more (--list shows all)%n", shown.size() - limit);
        }
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String units = "KMGTPE";
        int u = (63 - Long.numberOfLeadingZeros(n)) / 10;
        return String.format(Locale.ROOT, "%.1f %siB", n / Math.pow(1024, u), units.charAt(u - 1));
    }

    /** Progress lines on stderr at most every two seconds, for large trees. */
    static final class Progress implements CheckpointCleaner.Progress {
        private final PrintWriter err;
        private final boolean quiet;
        private final long start = System.nanoTime();
        private long last = start;
        private boolean printed;

        Progress(PrintWriter err, boolean quiet) {
            this.err = err;
            this.quiet = quiet;
        }

        @Override
        public void scanned(long files) {
            if (due()) {
                err.printf("  scanned %,d files (%,.0f files/s)%n", files, files / seconds());
            }
        }

        @Override
        public void deleted(long done, long total) {
            if (due() && done > 0) {
                double rate = done / seconds();
                err.printf("  deleted %,d of %,d files (%,.0f files/s, ETA %.0f s)%n", done,
                        total, rate, (total - done) / rate);
            }
        }

        void done() {
            if (printed) {
                err.flush();
            }
        }

        private boolean due() {
            long now = System.nanoTime();
            if (quiet || now - last < 2_000_000_000L) {
                return false;
            }
            last = now;
            printed = true;
            return true;
        }

        private double seconds() {
            return Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        }
    }
}
