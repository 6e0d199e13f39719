package analytics.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's JBang scripts as real processes, the way a user does:
 * {@code ./jbang <alias> args...} from the project root. Output goes to files (never a pipe that
 * could fill up and block the child), read back when the process ends.
 */
public final class Scripts {
    private Scripts() {
    }

    /** The exit code and output of a finished script. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Both streams, for assertion messages. */
        public String output() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** The project root: system property {@code project.root}, else the nearest catalog. */
    public static Path projectRoot() {
        String prop = System.getProperty("project.root");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("jbang-catalog.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the project root (jbang-catalog.json)");
        }
        return dir;
    }

    /**
     * {@code scripts/notebooks.sh args...} on database {@code db} of {@code mongoUri}, from the
     * project root, both streams into {@code log}, no input; the caller adds to its
     * environment and starts it.
     */
    public static ProcessBuilder notebooks(Path log, String mongoUri, String db,
                                           String... args) {
        Path root = projectRoot();
        List<String> command = new ArrayList<>(List.of("bash",
                root.resolve("scripts/notebooks.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("MONGO_URI", mongoUri);
        pb.environment().put("MONGO_DB", db);
        return pb;
    }

    /** Runs {@code ./jbang alias args...} and waits for it, failing after {@code timeout}. */
    public static Result run(Duration timeout, String alias, String... args) {
        return run(timeout, Map.of(), alias, args);
    }

    /** As {@link #run(Duration, String, String...)} with extra environment variables. */
    public static Result run(Duration timeout, Map<String, String> env, String alias,
                             String... args) {
        try (Running r = start(env, alias, args)) {
            return r.await(timeout);
        }
    }

    /** Starts {@code ./jbang alias args...} in the background. */
    public static Running start(String alias, String... args) {
        return start(Map.of(), alias, args);
    }

    /** Starts {@code ./jbang alias args...} in the background with extra environment. */
    public static Running start(Map<String, String> env, String alias, String... args) {
        Path root = projectRoot();
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("jbang").toString());
        cmd.add(alias);
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("script-" + safe(alias) + "-", ".out");
            Path err = Files.createTempFile("script-" + safe(alias) + "-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(root.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            return new Running(String.join(" ", cmd), pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** A script running in the background. Closing it kills it if still alive. */
    public static final class Running implements AutoCloseable {
        private final String command;
        private final Process process;
        private final Path out;
        private final Path err;

        Running(String command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        public Process process() {
            return process;
        }

        /** The pid of the script's process (the JBang wrapper execs the JVM: same pid). */
        public long pid() {
            return process.pid();
        }

        /** Output so far. */
        public String stdout() {
            return read(out);
        }

        /** Error output so far. */
        public String stderr() {
            return read(err);
        }

        /** Waits for the process to end; kills it and fails after {@code timeout}. */
        public Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(command + " did not finish within " + timeout
                            + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return new Result(process.exitValue(), stdout(), stderr());
        }

        /** Sends SIGKILL to the process and every descendant, and waits for it. */
        public void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Sends SIGTERM (a clean stop request) and waits up to {@code timeout}. */
        public Result terminate(Duration timeout) {
            process.destroy();
            return await(timeout);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                kill();
            }
            try {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException e) {
                // temp files; nothing to lose
            }
        }

        private static String read(Path p) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }
}
