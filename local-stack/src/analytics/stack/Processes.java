package analytics.stack;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** The processes of the stack: pid files, starting, recognising and stopping them. */
final class Processes {
    private Processes() {
    }

    /** The process of a pid file when it is alive and its command line has every marker. */
    static Optional<ProcessHandle> ours(Path pidFile, String... markers) {
        return readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                // No command line to read (no /proc, other user): trust the pid file.
                .filter(p -> commandLine(p).map(cmd -> Stream.of(markers)
                        .allMatch(cmd::contains)).orElse(true));
    }

    /**
     * The full command line. ProcessHandle.Info gives up on long ones (the Kafka command
     * carries the whole classpath), so read /proc first.
     */
    static Optional<String> commandLine(ProcessHandle process) {
        Path proc = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
        try {
            byte[] raw = Files.readAllBytes(proc);
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException e) {
            return process.info().commandLine();
        }
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void writePid(Path pidFile, long pid) throws IOException {
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, pid + "\n");
        Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * SIGTERM, a bounded wait, then SIGKILL; the process's descendants (a Spark worker's
     * executors) get the same once it has gone. Returns whether it ended within the grace.
     */
    static boolean stop(ProcessHandle process, Duration grace) {
        List<ProcessHandle> children = process.descendants().toList();
        boolean graceful = terminate(process, grace);
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                terminate(child, Duration.ofSeconds(10));
            }
        }
        return graceful;
    }

    private static boolean terminate(ProcessHandle process, Duration grace) {
        process.destroy();
        try {
            process.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException ignored) {
                // Reported by the caller's next status.
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /** Live processes whose command line contains {@code marker} (and is not this one). */
    static List<ProcessHandle> withMarker(String marker) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && p.isAlive())
                .filter(p -> commandLine(p).map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    /** A java command line on this script's own classpath (the JBang-resolved jars). */
    static List<String> javaOnOwnClasspath(String... jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts a process in {@code dir} with its output appended to a log file and no terminal:
     * in a new session (setsid) when {@code detach}, so that Ctrl-C on 'up' does not reach it.
     */
    static Process launch(List<String> command, Path dir, Path log, boolean detach,
                          Map<String, String> env) throws IOException {
        List<String> full = new ArrayList<>();
        Optional<Path> setsid = detach ? findOnPath("setsid") : Optional.empty();
        setsid.ifPresent(s -> full.add(s.toString()));
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // A null value removes the variable: settings of another Spark must not leak in.
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return pb.start();
    }

    static void appendToLog(Path log, String line) throws IOException {
        Files.writeString(log, "=== " + Instant.now() + " " + line + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
