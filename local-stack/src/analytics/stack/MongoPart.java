package analytics.stack;

import static analytics.stack.Console.say;
import static analytics.stack.Console.seconds;

import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Secrets;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The MongoDB protocol: mongo-java-server 1.47.0 (H2 file backend, or in memory) in its own
 * JVM, or FerretDB v1.24.2 (SQLite backend), built once from local-stack/ferretdb with Go;
 * {@code auto} keeps the one whose data is already in the storage folder, else takes
 * mongo-java-server on H2; {@code none} starts no server (another one serves the tests).
 */
final class MongoPart {
    static final String FERRETDB_VERSION = "v1.24.2";
    static final String MONGO_JAVA_SERVER_VERSION = "1.47.0";

    private final Layout layout;
    private final StackSettings s;

    MongoPart(Layout layout, StackSettings settings) {
        this.layout = layout;
        this.s = settings;
    }

    String uri() {
        return Secrets.maskUri(s.mongoUri());
    }

    Optional<ProcessHandle> process() {
        Optional<ProcessHandle> p = Processes.ours(layout.mongoPid(), "ferretdb");
        return p.isPresent() ? p : Processes.ours(layout.mongoPid(), "MongoJavaServer");
    }

    Optional<String> recordedBackend() {
        try {
            return Optional.of(Files.readString(layout.mongoBackendFile()).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Mongo: ours (pid file, alive), external (a server we did not start) or free. */
    KafkaPart.Found find() {
        Optional<ProcessHandle> ours = process();
        if (ours.isPresent()) {
            String backend = recordedBackend().orElse("unknown");
            if (!s.mongoBackend().equals("auto") && !s.mongoBackend().equals(backend)) {
                say("Note: --mongo-backend %s ignored: %s is already running; run 'stack "
                        + "down' first to switch", s.mongoBackend(), backend);
            }
            say("Mongo already running at %s (pid %d, %s): reused", uri(), ours.get().pid(),
                    backend);
            return KafkaPart.Found.OURS;
        }
        if (Probes.portInUse(s.mongoPort())) {
            if (Probes.mongoServer(s.mongoPort(), Duration.ofSeconds(4)).isPresent()) {
                say("Mongo already answering at %s (not started by this stack): reused", uri());
                return KafkaPart.Found.EXTERNAL;
            }
            throw new Failures.UserFacing(ExitCode.CONFLICT, "port " + s.mongoPort()
                    + " (--mongo-port) is in use by something that is not a MongoDB-protocol "
                    + "server; free it or choose another port");
        }
        return KafkaPart.Found.FREE;
    }

    /** The backend to start on a free port, saying which and why. */
    String chooseBackend() {
        Optional<Path> go = Processes.findOnPath("go");
        switch (s.mongoBackend()) {
            case "ferretdb":
                if (go.isEmpty()) {
                    throw new Failures.UserFacing(ExitCode.USAGE, "--mongo-backend ferretdb "
                            + "needs Go ('go' on PATH) to build FerretDB; install Go or use "
                            + "--mongo-backend mongo-java-server");
                }
                say("Mongo backend: FerretDB %s with SQLite (--mongo-backend ferretdb)",
                        FERRETDB_VERSION);
                return "ferretdb";
            case "mongo-java-server":
                say("Mongo backend: mongo-java-server %s with H2 (--mongo-backend "
                        + "mongo-java-server)", MONGO_JAVA_SERVER_VERSION);
                return "mongo-java-server";
            case "memory":
                say("Mongo backend: mongo-java-server %s in memory (--mongo-backend memory: "
                        + "nothing is kept after 'stack down')", MONGO_JAVA_SERVER_VERSION);
                return "memory";
            default:
                return chooseAuto(go);
        }
    }

    private String chooseAuto(Optional<Path> go) {
        // A server of an earlier 'up' that died without 'down' (a crash, kill -9) comes back
        // as it was, whatever is installed now.
        Optional<String> last = recordedBackend()
                .filter(b -> !b.equals("ferretdb") || go.isPresent());
        if (last.isPresent()) {
            say("Mongo backend: %s (auto: the last 'up' ran it and no 'down' followed)",
                    last.get());
            return last.get();
        }
        // The data of an earlier 'up' wins over what is installed now, so that a later Go
        // install (or removal) does not hide the documents kept so far.
        boolean ferretData = hasData(layout.mongoData("ferretdb"));
        boolean h2Data = hasData(layout.mongoData("mongo-java-server"));
        if (h2Data && !ferretData) {
            say("Mongo backend: mongo-java-server %s with H2 (auto: its data is in %s; "
                    + "--mongo-backend ferretdb to switch)", MONGO_JAVA_SERVER_VERSION,
                    layout.mongoData("mongo-java-server"));
            return "mongo-java-server";
        }
        if (ferretData && !h2Data && go.isPresent()) {
            say("Mongo backend: FerretDB %s with SQLite (auto: its data is in %s)",
                    FERRETDB_VERSION, layout.mongoData("ferretdb"));
            say("Note: FerretDB 1.24 scans a whole collection for every update, so it slows "
                    + "down as collections grow (docs/stack.md)");
            return "ferretdb";
        }
        if (ferretData && !h2Data) {
            say("Note: FerretDB's data in %s stays unused: Go is not on PATH to run it",
                    layout.mongoData("ferretdb"));
        }
        // Not FerretDB, even where Go could build it: FerretDB 1.24's SQLite backend scans
        // the whole collection for every update (its _id lookup does not match its own _id
        // index), so a live stream stalls once collections hold a few thousand windows. The
        // H2 file keeps the data and stays fast as it grows.
        say("Mongo backend: mongo-java-server %s with H2 (auto: the default; --mongo-backend "
                + "ferretdb or memory to choose another)", MONGO_JAVA_SERVER_VERSION);
        return "mongo-java-server";
    }

    /** Whether a backend's data folder holds anything (an earlier 'up' wrote there). */
    static boolean hasData(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** Builds local-stack/ferretdb into storage/bin once, again only when it changes. */
    Path ensureFerretDb() throws IOException, InterruptedException {
        Path root = layout.projectRoot();
        if (root == null) {
            throw new Failures.UserFacing(ExitCode.FAILED, "cannot find the project root (a "
                    + "folder with scripts/stack.java) to build FerretDB from "
                    + "local-stack/ferretdb; run inside the project or use --mongo-backend "
                    + "mongo-java-server");
        }
        Path source = root.resolve("local-stack/ferretdb");
        Path binary = layout.bin().resolve("ferretdb");
        Path stamp = layout.bin().resolve("ferretdb.sources.sha256");
        String digest = digest(source.resolve("go.mod"), source.resolve("go.sum"),
                source.resolve("main.go"));
        if (Files.isExecutable(binary) && Files.exists(stamp)
                && Files.readString(stamp).trim().equals(digest)) {
            return binary;
        }
        Path go = Processes.findOnPath("go").orElseThrow(() -> new Failures.UserFacing(
                ExitCode.FAILED, "building FerretDB needs Go ('go' on PATH); install Go or use "
                + "--mongo-backend mongo-java-server"));
        Path buildLog = layout.logs().resolve("ferretdb-build.log");
        say("Building FerretDB %s into %s with Go (first use: a minute or two; log: %s)",
                FERRETDB_VERSION, binary, buildLog);
        Instant start = Instant.now();
        Path tmp = layout.bin().resolve("ferretdb.tmp-" + ProcessHandle.current().pid());
        ProcessBuilder pb = new ProcessBuilder(go.toString(), "build", "-trimpath", "-o",
                tmp.toString(), ".")
                .directory(source.toFile())
                .redirectErrorStream(true)
                .redirectOutput(buildLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Build exactly what go.sum pins; no VCS stamping (the tree may not be a git clone).
        pb.environment().put("GOFLAGS", "-mod=readonly -buildvcs=false");
        Process build = pb.start();
        if (!build.waitFor(20, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            throw new Failures.UserFacing(ExitCode.FAILED, "FerretDB build did not finish "
                    + "within 20 minutes; see " + buildLog);
        }
        if (build.exitValue() != 0) {
            Files.deleteIfExists(tmp);
            throw new Failures.UserFacing(ExitCode.FAILED, "FerretDB build failed (exit "
                    + build.exitValue() + "); see " + buildLog);
        }
        Files.move(tmp, binary, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(stamp, digest + "\n");
        say("Built FerretDB in %s", seconds(Duration.between(start, Instant.now())));
        return binary;
    }

    Process startFerretDb(Path binary) throws IOException {
        Path data = layout.mongoData("ferretdb");
        // FerretDB's SQLite handler refuses a folder that does not exist yet.
        Files.createDirectories(data);
        say("Starting FerretDB %s on %s (data: %s, log: %s)", FERRETDB_VERSION, uri(), data,
                layout.mongoLog());
        Processes.appendToLog(layout.mongoLog(), "stack: starting FerretDB on " + s.mongoUri());
        List<String> command = List.of(binary.toString(), "-listen-addr",
                Probes.BIND_HOST + ":" + s.mongoPort(), "-sqlite-dir", data.toString());
        return record(Processes.launch(command, layout.storage(), layout.mongoLog(), true,
                Map.of()), "ferretdb");
    }

    /** mongo-java-server in its own JVM: H2 file under storage/, or memory only. */
    Process startMongoJavaServer(boolean inMemory) throws IOException {
        Path data = layout.mongoData(inMemory ? "memory" : "mongo-java-server");
        if (!inMemory) {
            Files.createDirectories(data);
        }
        say("Starting mongo-java-server %s on %s (data: %s, log: %s)",
                MONGO_JAVA_SERVER_VERSION, uri(), inMemory ? "in memory, lost on stop" : data,
                layout.mongoLog());
        Processes.appendToLog(layout.mongoLog(), "stack: starting mongo-java-server on "
                + s.mongoUri());
        // Memory keeps every document on the heap: room for a few million window counts.
        List<String> command = Processes.javaOnOwnClasspath(inMemory ? "-Xmx2g" : "-Xmx512m",
                "-XX:+UseG1GC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                // One line per client connection otherwise.
                "-Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire=warn",
                "-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.addAll(List.of("MongoJavaServer", "--bind", Probes.BIND_HOST, "--port",
                String.valueOf(s.mongoPort())));
        command.addAll(inMemory ? List.of("--memory")
                : List.of("--file", data.resolve("data.mv").toString()));
        return record(Processes.launch(command, layout.storage(), layout.mongoLog(), true,
                Map.of()), inMemory ? "memory" : "mongo-java-server");
    }

    private Process record(Process process, String backend) throws IOException {
        Processes.writePid(layout.mongoPid(), process.pid());
        Files.writeString(layout.mongoBackendFile(), backend + "\n");
        return process;
    }

    String await(Process process, Duration timeout) throws InterruptedException {
        return Waits.until("Mongo at " + uri(), timeout, layout.mongoLog(), () -> {
            Optional<String> server = Probes.mongoServer(s.mongoPort(), Duration.ofSeconds(2));
            if (server.isEmpty() && process != null && !process.isAlive()) {
                throw new Failures.UserFacing(ExitCode.FAILED, "the Mongo server exited (code "
                        + process.exitValue() + ") during start; see " + layout.mongoLog());
            }
            return server;
        }, () -> "Mongo did not answer ping at " + uri() + " within " + timeout.toSeconds()
                + " s (--timeout); see " + layout.mongoLog());
    }

    void forget() throws IOException {
        Files.deleteIfExists(layout.mongoPid());
        Files.deleteIfExists(layout.mongoBackendFile());
    }

    void down(Duration grace) throws IOException {
        Stack.stopPart("mongo", layout.mongoPid(), s.hasMongo() ? s.mongoPort() : -1, grace,
                null);
        Files.deleteIfExists(layout.mongoBackendFile());
    }

    /** Prints the Mongo line; whether it is up (or not part of this stack). */
    boolean status() {
        if (!s.hasMongo() && process().isEmpty()) {
            say("%-6s %-5s %-28s %-16s (not started: --mongo-backend none)", "mongo", "off", "-",
                    "-");
            return true;
        }
        Optional<ProcessHandle> p = process();
        Optional<String> server = Probes.portInUse(s.mongoPort())
                ? Probes.mongoServer(s.mongoPort(), Duration.ofSeconds(3)) : Optional.empty();
        String backend = p.isPresent() ? recordedBackend().orElse("unknown")
                : server.isPresent() ? "external" : "-";
        Object data = backend.equals("external") ? Stack.NOT_OURS
                : backend.equals("memory") ? "(in memory)"
                : p.isPresent() && !backend.equals("unknown")
                ? layout.mongoData(backend) : layout.storage().resolve("mongo");
        say("%-6s %-5s %-28s %-16s data %s  (backend %s; %s)", "mongo",
                server.isPresent() ? "up" : "down", uri(), Stack.processLabel(p,
                        server.isPresent()), data, backend,
                server.orElse("no answer to ping; log " + layout.mongoLog()));
        return server.isPresent();
    }

    static String digest(Path... files) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                sha.update(Files.readAllBytes(file));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
