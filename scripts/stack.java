///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Local stack: Apache Kafka 4.1.1 (KRaft) and a MongoDB-protocol server
//DESCRIPTION (FerretDB 1.24.2 or mongo-java-server 1.47.0), data under storage/.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.apache.kafka:kafka_2.13:4.1.1
//DEPS org.apache.kafka:kafka-server:4.1.1
//DEPS org.apache.kafka:kafka-server-common:4.1.1
//DEPS org.apache.kafka:kafka-clients:4.1.1
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS de.bwaldvogel:mongo-java-server-h2-backend:1.47.0
//DEPS de.bwaldvogel:mongo-java-server-memory-backend:1.47.0
//DEPS org.slf4j:slf4j-api:2.0.17
//DEPS org.slf4j:slf4j-simple:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/ProjectPaths.java
//SOURCES ../local-stack/mongo-java-server/MongoJavaServer.java
//RUNTIME_OPTIONS -Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=off

import analytics.core.ProjectPaths;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.bson.Document;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local stack manager: a real Apache Kafka broker and a MongoDB-protocol server, each in its
 * own process, data under {@code storage/}.
 *
 * <pre>
 *   ./jbang stack up       start what is not running; returns when both answer (idempotent)
 *   ./jbang stack status   each part, its address, process and data folder (exit 3 if one is down)
 *   ./jbang stack down     stop what this stack started (idempotent)
 * </pre>
 *
 * <p>Kafka 4.1.1 runs as one combined broker+controller KRaft node from the jars this script
 * depends on ({@code java -cp <this classpath> kafka.Kafka server.properties}). The MongoDB
 * protocol comes from mongo-java-server 1.47.0 (H2 file backend, or in memory) in its own JVM,
 * or from FerretDB v1.24.2 (SQLite backend), built once from local-stack/ferretdb with Go, which
 * the tests run against; {@code auto} keeps the one whose data is already in the storage folder,
 * else takes mongo-java-server on H2. (Not a folder named stack/: JBang would take it for the
 * script instead of the alias.)
 *
 * <p>Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error, 3 {@code status} found
 * a part down.
 */
@Command(name = "stack", mixinStandardHelpOptions = true, version = "stack 1.0 (Kafka 4.1.1, "
    + "FerretDB v1.24.2, mongo-java-server 1.47.0)",
    description = "Manages the local stack: Apache Kafka (KRaft) and a MongoDB-protocol server.",
    subcommands = {stack.Up.class, stack.Down.class, stack.Status.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure", "2:usage error", "3:status: a part is down"})
public class stack implements Callable<Integer> {

    static final String KAFKA_VERSION = "4.1.1";
    static final String FERRETDB_VERSION = "v1.24.2";
    static final String MONGO_JAVA_SERVER_VERSION = "1.47.0";
    static final String BIND_HOST = "127.0.0.1";
    /** Advertised host name: what clients use, as in the Docker compose file. */
    static final String CLIENT_HOST = "localhost";
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_DOWN = 3;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line as {@code main} does, without exiting (tests call this). */
    static int run(String... args) {
        return newCommandLine().execute(args);
    }

    static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new stack());
        // Usage errors: one line naming the flag or subcommand, exit 2, no stack trace.
        cl.setParameterExceptionHandler((ex, args) -> {
            String message = ex.getMessage();
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched
                && ex.getCommandLine().getCommandSpec().subcommands().size() > 0
                && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().get(0).startsWith("-")) {
                message = "unknown subcommand '" + unmatched.getUnmatched().get(0)
                    + "': expected up, down or status";
            }
            ex.getCommandLine().getErr().println("stack: " + message + " (see 'stack --help')");
            return EXIT_USAGE;
        });
        // Failures: one line naming the cause; the details are in the log file it names.
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            if (ex instanceof ParameterException pe) {
                line.getErr().println("stack: " + pe.getMessage());
                return EXIT_USAGE;
            }
            String message = ex instanceof StackException ? ex.getMessage() : ex.toString();
            line.getErr().println("stack: " + message);
            return EXIT_FAILURE;
        });
        return cl;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(),
            "missing subcommand: one of up, down, status");
    }

    /** A failure with a message fit for one line on stderr. */
    static final class StackException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StackException(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Settings shared by the subcommands
    // ---------------------------------------------------------------------------------------

    /** The options every subcommand takes. */
    static final class Settings {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--storage", paramLabel = "DIR", defaultValue = "${env:STACK_STORAGE}",
            description = "Folder of the stack's data, logs, pid files and built binaries "
                + "(env STACK_STORAGE; default: storage/ of the project).")
        Path storage;

        @Option(names = "--kafka-port", paramLabel = "PORT",
            defaultValue = "${env:KAFKA_PORT:-9092}",
            description = "Kafka client port on localhost (env KAFKA_PORT; default: "
                + "${DEFAULT-VALUE}).")
        int kafkaPort;

        @Option(names = {"--controller-port", "--kafka-controller-port"}, paramLabel = "PORT",
            defaultValue = "${env:KAFKA_CONTROLLER_PORT:-9093}",
            description = "Kafka KRaft controller port on localhost (env KAFKA_CONTROLLER_PORT; "
                + "default: ${DEFAULT-VALUE}).")
        int controllerPort;

        @Option(names = "--mongo-port", paramLabel = "PORT",
            defaultValue = "${env:MONGO_PORT:-27017}",
            description = "MongoDB-protocol port on localhost (env MONGO_PORT; default: "
                + "${DEFAULT-VALUE}).")
        int mongoPort;

        @Option(names = "--mongo-backend", paramLabel = "NAME",
            defaultValue = "${env:MONGO_BACKEND:-auto}",
            description = "auto, ferretdb, mongo-java-server (H2 file) or memory "
                + "(mongo-java-server keeping nothing across 'down'; about 5x faster writes) "
                + "(env MONGO_BACKEND; default: ${DEFAULT-VALUE}: the server whose data is in "
                + "the storage folder, else mongo-java-server; ferretdb needs Go).")
        String mongoBackend;

        Layout layout;

        /** Records the ports of a stack that is up, so that later commands find it. */
        void recordPorts(Layout layout) throws IOException {
            Files.writeString(layout.portsFile(), "kafka-port=" + kafkaPort + "\ncontroller-port="
                + controllerPort + "\nmongo-port=" + mongoPort + "\n");
        }

        /**
         * Takes the ports the last {@code up} recorded in this storage folder for each port
         * given neither as a flag nor in the environment: {@code up} (after a crash too),
         * {@code status} and {@code down} then need only {@code --storage}.
         */
        void adoptRecordedPorts(Layout layout) {
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(layout.portsFile())) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                return; // no stack was started here (or the file is unreadable): the flags rule
            }
            kafkaPort = recorded(p, "--kafka-port", "KAFKA_PORT", kafkaPort);
            controllerPort = recorded(p, "--controller-port", "KAFKA_CONTROLLER_PORT",
                controllerPort);
            mongoPort = recorded(p, "--mongo-port", "MONGO_PORT", mongoPort);
        }

        private int recorded(Properties p, String flag, String env, int current) {
            var parsed = mixee.commandLine().getParseResult();
            boolean given = (parsed != null && parsed.hasMatchedOption(flag))
                || System.getenv(env) != null;
            String value = p.getProperty(flag.substring(2));
            if (given || value == null) {
                return current;
            }
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                return current;
            }
        }

        /** Validates the flags and works out the folders; usage errors name the flag. */
        Layout resolve() {
            CommandLine cl = mixee.commandLine();
            checkPort(cl, "--kafka-port", kafkaPort);
            checkPort(cl, "--controller-port", controllerPort);
            checkPort(cl, "--mongo-port", mongoPort);
            if (kafkaPort == controllerPort || kafkaPort == mongoPort
                || controllerPort == mongoPort) {
                throw new ParameterException(cl, "--kafka-port, --controller-port and "
                    + "--mongo-port must differ (got " + kafkaPort + ", " + controllerPort + ", "
                    + mongoPort + ")");
            }
            if (!List.of("auto", "ferretdb", "mongo-java-server", "memory")
                .contains(mongoBackend)) {
                throw new ParameterException(cl, "--mongo-backend: expected auto, ferretdb, "
                    + "mongo-java-server or memory, got '" + mongoBackend + "'");
            }
            Optional<Path> root = projectRoot();
            Path dir = storage;
            if (dir == null || dir.toString().isBlank()) {
                dir = root.map(r -> r.resolve("storage")).orElseThrow(() -> new StackException(
                    "cannot find the project root (a folder with scripts/stack.java) from "
                        + Path.of("").toAbsolutePath() + "; run inside the project or pass "
                        + "--storage DIR"));
            }
            layout = new Layout(dir.toAbsolutePath().normalize(), root.orElse(null));
            return layout;
        }

        private static void checkPort(CommandLine cl, String flag, int port) {
            if (port < 1 || port > 65535) {
                throw new ParameterException(cl, flag + ": " + port
                    + " is not a port number (1-65535)");
            }
        }
    }

    /** The project root (see {@link ProjectPaths}): where local-stack/ and storage/ live. */
    static Optional<Path> projectRoot() {
        return ProjectPaths.root("stack.java")
                .filter(dir -> Files.isDirectory(dir.resolve("local-stack")));
    }

    /** Where everything lives under the storage folder. */
    record Layout(Path storage, Path projectRoot) {
        Path kafkaDir() {
            return storage.resolve("kafka");
        }

        Path kafkaData() {
            return kafkaDir().resolve("data");
        }

        Path kafkaConfig() {
            return kafkaDir().resolve("server.properties");
        }

        Path clusterIdFile() {
            return kafkaDir().resolve("cluster.id");
        }

        Path mongoData(String backend) {
            return storage.resolve("mongo").resolve(backend);
        }

        Path logs() {
            return storage.resolve("logs");
        }

        Path run() {
            return storage.resolve("run");
        }

        Path bin() {
            return storage.resolve("bin");
        }

        Path kafkaLog() {
            return logs().resolve("kafka.log");
        }

        Path mongoLog() {
            return logs().resolve("mongo.log");
        }

        Path kafkaPid() {
            return run().resolve("kafka.pid");
        }

        Path mongoPid() {
            return run().resolve("mongo.pid");
        }

        Path mongoBackendFile() {
            return run().resolve("mongo.backend");
        }

        /** The ports the last {@code up} used, until {@code down}. */
        Path portsFile() {
            return run().resolve("ports.properties");
        }

        /** Creates the folders; an unwritable storage folder is one clear failure. */
        void prepare() {
            for (Path dir : List.of(storage, kafkaDir(), logs(), run(), bin(),
                storage.resolve("mongo"))) {
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    throw new StackException("storage folder " + storage + " is not writable "
                        + "(--storage): cannot create " + dir + " (" + describe(e) + ")");
                }
                if (!Files.isWritable(dir)) {
                    throw new StackException("storage folder " + storage + " is not writable "
                        + "(--storage): " + dir);
                }
            }
            try {
                Files.deleteIfExists(Files.createTempFile(run(), ".probe", ".tmp"));
            } catch (IOException e) {
                throw new StackException("storage folder " + storage + " is not writable "
                    + "(--storage): " + describe(e));
            }
        }

        /** Serializes concurrent runs of up and down on the same storage folder. */
        FileLock lock() {
            try {
                FileChannel channel = FileChannel.open(run().resolve("stack.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                return channel.lock();
            } catch (IOException e) {
                throw new StackException("cannot lock " + run().resolve("stack.lock") + " ("
                    + describe(e) + ")");
            }
        }
    }

    static String describe(Exception e) {
        if (e instanceof AccessDeniedException ade) {
            return "permission denied: " + ade.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException fse) {
            return (fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName())
                + ": " + fse.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    // ---------------------------------------------------------------------------------------
    // up
    // ---------------------------------------------------------------------------------------

    @Command(name = "up", mixinStandardHelpOptions = true,
        description = "Starts Kafka and the MongoDB-protocol server unless they already run; "
            + "returns when Kafka answers a metadata request and Mongo answers ping.")
    static final class Up implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Option(names = "--timeout", paramLabel = "SECONDS",
            defaultValue = "${env:STACK_TIMEOUT:-120}",
            description = "Longest wait for each part to answer after its start "
                + "(env STACK_TIMEOUT; default: ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            if (timeoutSeconds < 1) {
                throw new ParameterException(settings.mixee.commandLine(),
                    "--timeout: must be at least 1 second, got " + timeoutSeconds);
            }
            Layout layout = settings.resolve();
            settings.adoptRecordedPorts(layout);
            layout.prepare();
            try (FileLock lock = layout.lock()) {
                return new Stack(layout, settings).up(Duration.ofSeconds(timeoutSeconds));
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // down
    // ---------------------------------------------------------------------------------------

    @Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stops the processes this stack started (SIGTERM, bounded wait, then "
            + "kill) and removes their pid files. Servers it did not start are left running.")
    static final class Down implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "Wait after SIGTERM before killing a process (default: "
                + "${DEFAULT-VALUE} s).")
        int graceSeconds;

        @Override
        public Integer call() throws Exception {
            Layout layout = settings.resolve();
            if (!Files.isDirectory(layout.storage())) {
                // Nothing was ever started there; do not leave empty folders behind either.
                System.out.println("Nothing to stop: " + layout.storage() + " does not exist "
                    + "(no stack was started with this --storage)");
                return 0;
            }
            settings.adoptRecordedPorts(layout);
            layout.prepare();
            try (FileLock lock = layout.lock()) {
                return new Stack(layout, settings).down(Duration.ofSeconds(graceSeconds));
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // status
    // ---------------------------------------------------------------------------------------

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows each part, its address, its process (pid, external or down), its "
            + "data folder and backend. Exit code 3 when a part is down.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Override
        public Integer call() {
            Layout layout = settings.resolve();
            settings.adoptRecordedPorts(layout);
            return new Stack(layout, settings).status();
        }
    }

    // ---------------------------------------------------------------------------------------
    // The work
    // ---------------------------------------------------------------------------------------

    /** The state of one part as found on this machine. */
    enum Found { OURS, EXTERNAL, FREE }

    static final class Stack {
        final Layout layout;
        final Settings settings;
        final List<ProcessHandle> startedNow = new ArrayList<>();

        Stack(Layout layout, Settings settings) {
            this.layout = layout;
            this.settings = settings;
        }

        String kafkaAddress() {
            return CLIENT_HOST + ":" + settings.kafkaPort;
        }

        String mongoUri() {
            return "mongodb://" + CLIENT_HOST + ":" + settings.mongoPort;
        }

        int up(Duration timeout) throws Exception {
            // Look before starting anything, so that a conflict leaves nothing half-started.
            Found kafka = findKafka();
            Found mongo = findMongo();
            String backend = switch (mongo) {
                case OURS -> recordedBackend().orElse("unknown");
                case EXTERNAL -> "external";
                case FREE -> chooseBackend();
            };
            Path ferretdb = null;
            if (mongo == Found.FREE && backend.equals("ferretdb")) {
                ferretdb = ensureFerretDb();
            }

            Process kafkaProcess = null;
            Process mongoProcess = null;
            Instant start = Instant.now();
            try {
                if (kafka == Found.FREE) {
                    formatKafkaStorage();
                    kafkaProcess = startKafka();
                }
                if (mongo == Found.FREE) {
                    mongoProcess = backend.equals("ferretdb") ? startFerretDb(ferretdb)
                        : startMongoJavaServer(backend.equals("memory"));
                }
                String clusterId = awaitKafka(kafkaProcess, timeout);
                say("Kafka %s at %s (cluster id %s)%s", kafka == Found.FREE ? "ready" : "up",
                    kafkaAddress(), clusterId, kafkaProcess == null ? ""
                        : " after " + seconds(Duration.between(start, Instant.now())));
                String server = awaitMongo(mongoProcess, timeout);
                say("Mongo %s at %s (%s)%s", mongo == Found.FREE ? "ready" : "up",
                    maskUri(mongoUri()), server, mongoProcess == null ? ""
                        : " after " + seconds(Duration.between(start, Instant.now())));
            } catch (RuntimeException | InterruptedException e) {
                // Nothing half-started: stop what this run started, then report.
                for (ProcessHandle p : startedNow) {
                    stopProcess(p, Duration.ofSeconds(10));
                }
                if (kafkaProcess != null) {
                    Files.deleteIfExists(layout.kafkaPid());
                }
                if (mongoProcess != null) {
                    Files.deleteIfExists(layout.mongoPid());
                    Files.deleteIfExists(layout.mongoBackendFile());
                }
                throw e;
            }
            settings.recordPorts(layout);
            say("KAFKA_BOOTSTRAP=%s MONGO_URI=%s", kafkaAddress(), maskUri(mongoUri()));
            return 0;
        }

        /** Kafka: ours (pid file, alive), external (a broker we did not start) or free. */
        Found findKafka() {
            Optional<ProcessHandle> ours = ourProcess(layout.kafkaPid(), "kafka.Kafka");
            if (ours.isPresent()) {
                say("Kafka already running at %s (pid %d): reused", kafkaAddress(),
                    ours.get().pid());
                return Found.OURS;
            }
            if (portInUse(settings.kafkaPort)) {
                if (kafkaClusterId(settings.kafkaPort, Duration.ofSeconds(6)).isPresent()) {
                    say("Kafka already answering at %s (not started by this stack): reused",
                        kafkaAddress());
                    return Found.EXTERNAL;
                }
                throw new StackException("port " + settings.kafkaPort + " (--kafka-port) is in "
                    + "use by something that is not a Kafka broker; free it or choose another "
                    + "port");
            }
            if (portInUse(settings.controllerPort)) {
                throw new StackException("port " + settings.controllerPort + " (--controller-port)"
                    + " is already in use; free it or choose another port");
            }
            return Found.FREE;
        }

        /** Mongo: ours (pid file, alive), external (a server we did not start) or free. */
        Found findMongo() {
            Optional<ProcessHandle> ours = ourMongoProcess();
            if (ours.isPresent()) {
                String backend = recordedBackend().orElse("unknown");
                if (!settings.mongoBackend.equals("auto")
                    && !settings.mongoBackend.equals(backend)) {
                    say("Note: --mongo-backend %s ignored: %s is already running; run 'stack "
                        + "down' first to switch", settings.mongoBackend, backend);
                }
                say("Mongo already running at %s (pid %d, %s): reused", maskUri(mongoUri()),
                    ours.get().pid(), backend);
                return Found.OURS;
            }
            if (portInUse(settings.mongoPort)) {
                if (mongoServer(settings.mongoPort, Duration.ofSeconds(4)).isPresent()) {
                    say("Mongo already answering at %s (not started by this stack): reused",
                        maskUri(mongoUri()));
                    return Found.EXTERNAL;
                }
                throw new StackException("port " + settings.mongoPort + " (--mongo-port) is in "
                    + "use by something that is not a MongoDB-protocol server; free it or "
                    + "choose another port");
            }
            return Found.FREE;
        }

        String chooseBackend() {
            Optional<Path> go = findOnPath("go");
            switch (settings.mongoBackend) {
                case "ferretdb":
                    if (go.isEmpty()) {
                        throw new StackException("--mongo-backend ferretdb needs Go ('go' on "
                            + "PATH) to build FerretDB; install Go or use --mongo-backend "
                            + "mongo-java-server");
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
                    // A server of an earlier 'up' that died without 'down' (a crash, kill -9)
                    // comes back as it was, whatever is installed now.
                    Optional<String> last = recordedBackend()
                        .filter(b -> !b.equals("ferretdb") || go.isPresent());
                    if (last.isPresent()) {
                        say("Mongo backend: %s (auto: the last 'up' ran it and no 'down' "
                            + "followed)", last.get());
                        return last.get();
                    }
                    // The data of an earlier 'up' wins over what is installed now, so that a
                    // later Go install (or removal) does not hide the documents kept so far.
                    boolean ferretData = hasData(layout.mongoData("ferretdb"));
                    boolean h2Data = hasData(layout.mongoData("mongo-java-server"));
                    if (h2Data && !ferretData) {
                        say("Mongo backend: mongo-java-server %s with H2 (auto: its data is in "
                            + "%s; --mongo-backend ferretdb to switch)", MONGO_JAVA_SERVER_VERSION,
                            layout.mongoData("mongo-java-server"));
                        return "mongo-java-server";
                    }
                    if (ferretData && !h2Data && go.isPresent()) {
                        say("Mongo backend: FerretDB %s with SQLite (auto: its data is in %s)",
                            FERRETDB_VERSION, layout.mongoData("ferretdb"));
                        say("Note: FerretDB 1.24 scans a whole collection for every update, so "
                            + "it slows down as collections grow (README: Performance "
                            + "considerations)");
                        return "ferretdb";
                    }
                    if (ferretData && !h2Data) {
                        say("Note: FerretDB's data in %s stays unused: Go is not on PATH to "
                            + "run it", layout.mongoData("ferretdb"));
                    }
                    // Not FerretDB, even where Go could build it: FerretDB 1.24's SQLite backend
                    // scans the whole collection for every update (its _id lookup does not match
                    // its own _id index), so a live stream stalls once collections hold a few
                    // thousand windows. The H2 file keeps the data and stays fast as it grows.
                    say("Mongo backend: mongo-java-server %s with H2 (auto: the default; "
                        + "--mongo-backend ferretdb or memory to choose another)",
                        MONGO_JAVA_SERVER_VERSION);
                    return "mongo-java-server";
            }
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

        // --- Kafka ------------------------------------------------------------------------

        void formatKafkaStorage() throws IOException, InterruptedException {
            writeKafkaConfig();
            if (Files.exists(layout.kafkaData().resolve("meta.properties"))) {
                return;
            }
            // The cluster id is kept beside the data so that a re-format keeps the same id.
            String clusterId;
            if (Files.exists(layout.clusterIdFile())) {
                clusterId = Files.readString(layout.clusterIdFile()).trim();
            } else {
                clusterId = Uuid.randomUuid().toString();
                Files.writeString(layout.clusterIdFile(), clusterId + "\n");
            }
            say("Formatting Kafka storage %s (cluster id %s)", layout.kafkaData(), clusterId);
            appendToLog(layout.kafkaLog(), "stack: formatting storage, cluster id " + clusterId);
            List<String> command = javaCommand("-Xmx256m");
            command.addAll(List.of("kafka.tools.StorageTool", "format", "--ignore-formatted",
                "--cluster-id", clusterId, "--config", layout.kafkaConfig().toString()));
            Process format = launch(command, layout.kafkaLog(), false);
            if (!format.waitFor(120, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new StackException("Kafka storage format did not finish within 120 s; see "
                    + layout.kafkaLog());
            }
            if (format.exitValue() != 0) {
                throw new StackException("Kafka storage format failed (exit " + format.exitValue()
                    + "); see " + layout.kafkaLog());
            }
        }

        void writeKafkaConfig() throws IOException {
            String config = String.join("\n",
                "# Written by scripts/stack.java on every 'up'; edit the script, not this file.",
                "# One combined KRaft node: broker and controller in one process.",
                "process.roles=broker,controller",
                "node.id=1",
                // A static voter set: the controller port may change between runs.
                "controller.quorum.voters=1@" + BIND_HOST + ":" + settings.controllerPort,
                "listeners=PLAINTEXT://" + BIND_HOST + ":" + settings.kafkaPort
                    + ",CONTROLLER://" + BIND_HOST + ":" + settings.controllerPort,
                "advertised.listeners=PLAINTEXT://" + CLIENT_HOST + ":" + settings.kafkaPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + layout.kafkaData(),
                "auto.create.topics.enable=true",
                "num.partitions=1",
                // One broker: every internal topic must live with a single replica.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Tests create consumer groups often: no 3 s wait before the first rebalance.
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168",
                "");
            Files.writeString(layout.kafkaConfig(), config);
        }

        Process startKafka() throws IOException {
            say("Starting Kafka %s on %s (log: %s)", KAFKA_VERSION, kafkaAddress(),
                layout.kafkaLog());
            appendToLog(layout.kafkaLog(), "stack: starting Kafka on " + kafkaAddress());
            List<String> command = javaCommand("-Xms128m", "-Xmx512m", "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
            command.addAll(List.of("kafka.Kafka", layout.kafkaConfig().toString()));
            Process process = launch(command, layout.kafkaLog(), true);
            startedNow.add(process.toHandle());
            writePid(layout.kafkaPid(), process.pid());
            return process;
        }

        String awaitKafka(Process process, Duration timeout) throws InterruptedException {
            Instant deadline = Instant.now().plus(timeout);
            try (Admin admin = Admin.create(adminConfig(settings.kafkaPort))) {
                while (true) {
                    Optional<String> id = clusterId(admin, Duration.ofSeconds(3));
                    if (id.isPresent()) {
                        return id.get();
                    }
                    if (process != null && !process.isAlive()) {
                        throw new StackException("Kafka exited (code " + process.exitValue()
                            + ") during start; see " + layout.kafkaLog());
                    }
                    if (Instant.now().isAfter(deadline)) {
                        throw new StackException("Kafka did not answer at " + kafkaAddress()
                            + " within " + timeout.toSeconds() + " s (--timeout); see "
                            + layout.kafkaLog());
                    }
                    Thread.sleep(250);
                }
            }
        }

        // --- Mongo ------------------------------------------------------------------------

        Optional<ProcessHandle> ourMongoProcess() {
            Optional<ProcessHandle> p = ourProcess(layout.mongoPid(), "ferretdb");
            return p.isPresent() ? p : ourProcess(layout.mongoPid(), "MongoJavaServer");
        }

        Optional<String> recordedBackend() {
            try {
                return Optional.of(Files.readString(layout.mongoBackendFile()).trim());
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        /** Builds local-stack/ferretdb into storage/bin once, again only when it changes. */
        Path ensureFerretDb() throws IOException, InterruptedException {
            Path root = layout.projectRoot();
            if (root == null) {
                throw new StackException("cannot find the project root (a folder with "
                    + "scripts/stack.java) to build FerretDB from local-stack/ferretdb; run "
                    + "inside the project or use --mongo-backend mongo-java-server");
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
            Path go = findOnPath("go").orElseThrow(() -> new StackException("building FerretDB "
                + "needs Go ('go' on PATH); install Go or use --mongo-backend mongo-java-server"));
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
                throw new StackException("FerretDB build did not finish within 20 minutes; see "
                    + buildLog);
            }
            if (build.exitValue() != 0) {
                Files.deleteIfExists(tmp);
                throw new StackException("FerretDB build failed (exit " + build.exitValue()
                    + "); see " + buildLog);
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
            say("Starting FerretDB %s on %s (data: %s, log: %s)", FERRETDB_VERSION,
                maskUri(mongoUri()), data, layout.mongoLog());
            appendToLog(layout.mongoLog(), "stack: starting FerretDB on " + mongoUri());
            List<String> command = List.of(binary.toString(), "-listen-addr",
                BIND_HOST + ":" + settings.mongoPort, "-sqlite-dir", data.toString());
            return recordMongo(launch(command, layout.mongoLog(), true), "ferretdb");
        }

        /** mongo-java-server in its own JVM: H2 file under storage/, or memory only. */
        Process startMongoJavaServer(boolean inMemory) throws IOException {
            Path data = layout.mongoData(inMemory ? "memory" : "mongo-java-server");
            if (!inMemory) {
                Files.createDirectories(data);
            }
            say("Starting mongo-java-server %s on %s (data: %s, log: %s)",
                MONGO_JAVA_SERVER_VERSION, maskUri(mongoUri()),
                inMemory ? "in memory, lost on stop" : data, layout.mongoLog());
            appendToLog(layout.mongoLog(), "stack: starting mongo-java-server on " + mongoUri());
            // Memory keeps every document on the heap: room for a few million window counts.
            List<String> command = javaCommand(inMemory ? "-Xmx2g" : "-Xmx512m", "-XX:+UseG1GC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                // One line per client connection otherwise.
                "-Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire=warn",
                "-Dorg.slf4j.simpleLogger.showDateTime=true");
            command.addAll(List.of("MongoJavaServer", "--bind", BIND_HOST, "--port",
                String.valueOf(settings.mongoPort)));
            command.addAll(inMemory ? List.of("--memory")
                : List.of("--file", data.resolve("data.mv").toString()));
            return recordMongo(launch(command, layout.mongoLog(), true),
                inMemory ? "memory" : "mongo-java-server");
        }

        Process recordMongo(Process process, String backend) throws IOException {
            startedNow.add(process.toHandle());
            writePid(layout.mongoPid(), process.pid());
            Files.writeString(layout.mongoBackendFile(), backend + "\n");
            return process;
        }

        String awaitMongo(Process process, Duration timeout) throws InterruptedException {
            Instant deadline = Instant.now().plus(timeout);
            while (true) {
                Optional<String> server = mongoServer(settings.mongoPort, Duration.ofSeconds(2));
                if (server.isPresent()) {
                    return server.get();
                }
                if (process != null && !process.isAlive()) {
                    throw new StackException("the Mongo server exited (code " + process.exitValue()
                        + ") during start; see " + layout.mongoLog());
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException("Mongo did not answer ping at " + maskUri(mongoUri())
                        + " within " + timeout.toSeconds() + " s (--timeout); see "
                        + layout.mongoLog());
                }
                Thread.sleep(250);
            }
        }

        // --- down and status ----------------------------------------------------------------

        int down(Duration grace) throws IOException {
            stopPart("mongo", layout.mongoPid(), settings.mongoPort, grace);
            Files.deleteIfExists(layout.mongoBackendFile());
            stopPart("kafka", layout.kafkaPid(), settings.kafkaPort, grace);
            Files.deleteIfExists(layout.portsFile());
            return 0;
        }

        void stopPart(String part, Path pidFile, int port, Duration grace) throws IOException {
            Optional<Long> pid = readPid(pidFile);
            Optional<ProcessHandle> process = pid.flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive);
            if (process.isPresent()) {
                Instant start = Instant.now();
                boolean graceful = stopProcess(process.get(), grace);
                say("%s: stopped (pid %d) in %s%s", part, pid.get(),
                    seconds(Duration.between(start, Instant.now())),
                    graceful ? "" : ", killed after " + grace.toSeconds() + " s (--grace)");
            } else if (portInUse(port)) {
                say("%s: port %d is served by a process this stack did not start: left running",
                    part, port);
            } else {
                say("%s: not running", part);
            }
            Files.deleteIfExists(pidFile);
        }

        int status() {
            boolean allUp = true;
            // kafka
            Optional<ProcessHandle> kafkaProcess = ourProcess(layout.kafkaPid(), "kafka.Kafka");
            Optional<String> clusterId = portInUse(settings.kafkaPort)
                ? kafkaClusterId(settings.kafkaPort, Duration.ofSeconds(5)) : Optional.empty();
            allUp &= clusterId.isPresent();
            say("%-6s %-5s %-28s %-16s data %s  (%s)", "kafka",
                clusterId.isPresent() ? "up" : "down", kafkaAddress(),
                processLabel(kafkaProcess, clusterId.isPresent()),
                kafkaProcess.isEmpty() && clusterId.isPresent() ? NOT_OURS : layout.kafkaData(),
                clusterId.map(id -> "Apache Kafka, KRaft, cluster id " + id)
                    .orElse("no answer to a metadata request; log " + layout.kafkaLog()));
            // mongo
            Optional<ProcessHandle> mongoProcess = ourMongoProcess();
            Optional<String> server = portInUse(settings.mongoPort)
                ? mongoServer(settings.mongoPort, Duration.ofSeconds(3)) : Optional.empty();
            allUp &= server.isPresent();
            String backend = mongoProcess.isPresent() ? recordedBackend().orElse("unknown")
                : server.isPresent() ? "external" : "-";
            Object data = backend.equals("external") ? NOT_OURS
                : backend.equals("memory") ? "(in memory)"
                : mongoProcess.isPresent() && !backend.equals("unknown")
                ? layout.mongoData(backend) : layout.storage().resolve("mongo");
            say("%-6s %-5s %-28s %-16s data %s  (backend %s; %s)", "mongo",
                server.isPresent() ? "up" : "down", maskUri(mongoUri()),
                processLabel(mongoProcess, server.isPresent()), data, backend,
                server.orElse("no answer to ping; log " + layout.mongoLog()));
            return allUp ? 0 : EXIT_DOWN;
        }

        /** The data folder of a server this stack did not start: not ours to show. */
        static final String NOT_OURS = "(its own: not started by this stack)";

        static String processLabel(Optional<ProcessHandle> ours, boolean answers) {
            if (ours.isPresent()) {
                return "pid " + ours.get().pid();
            }
            return answers ? "external" : "down";
        }

        // --- processes ----------------------------------------------------------------------

        /** The process of a pid file when it is alive and looks like what we started. */
        static Optional<ProcessHandle> ourProcess(Path pidFile, String marker) {
            return readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                // No command line to read (no /proc, other user): trust the pid file.
                .filter(p -> commandLine(p).map(cmd -> cmd.contains(marker)).orElse(true));
        }

        /**
         * The full command line. ProcessHandle.Info gives up on long ones (our Kafka command
         * carries the whole classpath), so read /proc first.
         */
        static Optional<String> commandLine(ProcessHandle process) {
            Path proc = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
            try {
                byte[] raw = Files.readAllBytes(proc);
                return Optional.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8)
                    .replace('\0', ' '));
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

        /** SIGTERM, bounded wait, then SIGKILL. Returns whether it ended within the grace. */
        static boolean stopProcess(ProcessHandle process, Duration grace) {
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

        /** A java command line on this script's own classpath (the JBang-resolved jars). */
        static List<String> javaCommand(String... jvmOptions) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(jvmOptions));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            return command;
        }

        /**
         * Starts a process with its output appended to a log file and no terminal: in a new
         * session (setsid) when {@code detach}, so that Ctrl-C on 'up' does not reach it.
         */
        Process launch(List<String> command, Path log, boolean detach) throws IOException {
            List<String> full = new ArrayList<>();
            Optional<Path> setsid = detach ? findOnPath("setsid") : Optional.empty();
            setsid.ifPresent(s -> full.add(s.toString()));
            full.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(full)
                .directory(layout.storage().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            return pb.start();
        }

        static void appendToLog(Path log, String line) throws IOException {
            Files.writeString(log, "=== " + Instant.now() + " " + line + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Probes
    // ---------------------------------------------------------------------------------------

    /** Whether something holds the port on this host (we cannot bind it). */
    static boolean portInUse(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(BIND_HOST), port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    static Map<String, Object> adminConfig(int port) {
        return Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BIND_HOST + ":" + port,
            AdminClientConfig.CLIENT_ID_CONFIG, "stack-probe",
            // Short timeouts: a probe must give up quickly on a port that is not Kafka.
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
            AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1000,
            AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2000,
            // Reconnect fast while the broker starts.
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
            AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 200);
    }

    /** The cluster id when a Kafka broker answers a metadata request on the port. */
    static Optional<String> kafkaClusterId(int port, Duration timeout) {
        try (Admin admin = Admin.create(adminConfig(port))) {
            Instant deadline = Instant.now().plus(timeout);
            while (true) {
                Optional<String> id = clusterId(admin, Duration.ofSeconds(3));
                if (id.isPresent() || Instant.now().isAfter(deadline)) {
                    return id;
                }
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<String> clusterId(Admin admin, Duration timeout) {
        try {
            int ms = (int) timeout.toMillis();
            return Optional.ofNullable(admin.describeCluster(
                    new DescribeClusterOptions().timeoutMs(ms))
                .clusterId().get(ms + 500L, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A description of the server when a MongoDB-protocol server answers ping on the port. */
    static Optional<String> mongoServer(int port, Duration timeout) {
        // No ServerApi: mongo-java-server does not answer the versioned hello.
        MongoClientSettings clientSettings = MongoClientSettings.builder()
            .applyToClusterSettings(b -> b.hosts(List.of(new ServerAddress(BIND_HOST, port)))
                .serverSelectionTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
            .applyToSocketSettings(b -> b.connectTimeout(1000, TimeUnit.MILLISECONDS)
                .readTimeout(2000, TimeUnit.MILLISECONDS))
            .build();
        try (MongoClient client = MongoClients.create(clientSettings)) {
            Document ping = client.getDatabase("admin").runCommand(new Document("ping", 1));
            if (ping.get("ok") == null) {
                return Optional.empty();
            }
            Document info = client.getDatabase("admin").runCommand(new Document("buildInfo", 1));
            // FerretDB adds its own version; an embedded build (ours) reports it as unknown.
            Object ferret = info.get("ferretdbVersion");
            if (ferret == null) {
                return Optional.of("MongoDB " + info.get("version") + " protocol");
            }
            String name = "unknown".equals(ferret) ? "FerretDB" : "FerretDB " + ferret;
            return Optional.of(name + ", MongoDB " + info.get("version") + " protocol");
        } catch (MongoException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Small helpers
    // ---------------------------------------------------------------------------------------

    private static final Pattern URI_CREDENTIALS = Pattern.compile("^([a-z+]+://)([^@/]*)@");

    /** Hides the password of a connection string: mongodb://user:****@host. */
    static String maskUri(String uri) {
        Matcher m = URI_CREDENTIALS.matcher(uri);
        if (!m.find()) {
            return uri;
        }
        String userInfo = m.group(2);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? userInfo : userInfo.substring(0, colon) + ":****";
        return m.group(1) + masked + "@" + uri.substring(m.end());
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

    static String digest(Path... files) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                sha.update(Files.readAllBytes(file));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
