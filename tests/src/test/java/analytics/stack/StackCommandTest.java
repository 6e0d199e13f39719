package analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import analytics.core.ExitCode;
import analytics.testkit.Ports;
import analytics.testkit.Scripts;
import com.mongodb.MongoClientSettings;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code ./jbang stack up|status|down} as a user does, against a private storage folder and
 * free ports (never 9092/9093/27017), and checks what is really running afterwards.
 *
 * <p>All tests share one storage folder (except where a test needs its own); each
 * test that starts the stack stops it again. Waits are bounded polls, never sleeps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackCommandTest {
    private static final Duration FIRST_UP = Duration.ofMinutes(5);
    private static final Duration UP = Duration.ofMinutes(5);
    /** Builds FerretDB with Go first: a minute or two with a cold Go build cache. */
    private static final Duration FERRETDB_UP = Duration.ofMinutes(15);
    private static final Duration QUICK = Duration.ofMinutes(2);

    @TempDir
    static Path tmp;

    static Path storage;
    static int kafkaPort;
    static int controllerPort;
    static int mongoPort;

    @BeforeAll
    static void choosePortsAndStorage() {
        storage = tmp.resolve("storage");
        int[] ports = Ports.free(3);
        kafkaPort = ports[0];
        controllerPort = ports[1];
        mongoPort = ports[2];
    }

    @AfterAll
    static void leaveNothingRunning() {
        stack("down");
    }

    @Test
    @Order(1)
    void upStartsKafkaAndMongoThenSecondUpReusesThemAndDownTwiceStopsThem() throws Exception {
        Scripts.Result first = stack(FIRST_UP, "up");
        assertEquals(0, first.exitCode(), first.output());
        // A fresh storage folder gets the H2 file, even where Go could build FerretDB (whose
        // updates scan whole collections): unless MONGO_BACKEND chooses for this shell.
        if (System.getenv("MONGO_BACKEND") == null) {
            assertTrue(first.stdout().contains("Mongo backend: mongo-java-server "
                + "1.47.0 with H2 (auto: the default;"), first.output());
        }
        assertTrue(first.stdout().contains("Kafka ready at localhost:" + kafkaPort),
            first.output());
        assertTrue(first.stdout().contains("Mongo ready at mongodb://localhost:" + mongoPort),
            first.output());
        long kafkaPid = pidFile("kafka").orElseThrow();
        long mongoPid = pidFile("mongo").orElseThrow();
        assertTrue(alive(kafkaPid) && alive(mongoPid));
        assertEquals("test-ping", pingMongo());

        Scripts.Result second = stack(UP, "up");
        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.stdout().contains("Kafka already running at localhost:" + kafkaPort
            + " (pid " + kafkaPid + "): reused"), second.output());
        assertTrue(second.stdout().contains("(pid " + mongoPid + ", "), second.output());
        assertEquals(Optional.of(kafkaPid), pidFile("kafka"));
        assertEquals(Optional.of(mongoPid), pidFile("mongo"));

        Scripts.Result status = stack(QUICK, "status");
        assertEquals(0, status.exitCode(), status.output());
        String kafkaLine = line(status.stdout(), "kafka");
        String mongoLine = line(status.stdout(), "mongo");
        assertTrue(kafkaLine.matches("kafka\\s+up\\s+localhost:" + kafkaPort + "\\s+pid "
            + kafkaPid + "\\s+data .*"), kafkaLine);
        assertTrue(kafkaLine.contains(storage.resolve("kafka/data").toString()), kafkaLine);
        assertTrue(mongoLine.matches("mongo\\s+up\\s+mongodb://localhost:" + mongoPort
            + "\\s+pid " + mongoPid + "\\s+data .*backend (ferretdb|mongo-java-server).*"),
            mongoLine);

        // Seen from another storage folder, the same servers are external: no data folder.
        Path other = tmp.resolve("storage-other");
        Scripts.Result foreign = stackIn(other, QUICK, kafkaPort, mongoPort, "status");
        assertEquals(0, foreign.exitCode(), foreign.output());
        for (String part : List.of("kafka", "mongo")) {
            String l = line(foreign.stdout(), part);
            assertTrue(l.matches(part + "\\s+up\\s+.*\\s+external\\s+data \\(its own: not "
                + "started by this stack\\).*"), l);
        }

        // The ports of 'up' are recorded: status with the storage folder alone finds them.
        Scripts.Result byStorage = Scripts.run(QUICK, "stack", "status", "--storage",
            storage.toString());
        assertEquals(0, byStorage.exitCode(), byStorage.output());
        assertTrue(line(byStorage.stdout(), "kafka").contains("localhost:" + kafkaPort),
            byStorage.output());
        assertTrue(line(byStorage.stdout(), "mongo").contains("localhost:" + mongoPort),
            byStorage.output());
        Scripts.Result upByStorage = Scripts.run(UP, "stack", "up", "--storage",
            storage.toString());
        assertEquals(0, upByStorage.exitCode(), upByStorage.output());
        assertTrue(upByStorage.stdout().contains("Kafka already running at localhost:" + kafkaPort
            + " (pid " + kafkaPid + "): reused"), upByStorage.output());

        Scripts.Result down = stack(QUICK, "down");
        assertEquals(0, down.exitCode(), down.output());
        assertTrue(down.stdout().contains("kafka: stopped (pid " + kafkaPid + ")"),
            down.output());
        assertTrue(down.stdout().contains("mongo: stopped (pid " + mongoPid + ")"),
            down.output());
        assertFalse(alive(kafkaPid) || alive(mongoPid), "a process outlived 'down'");
        assertEquals(Optional.empty(), pidFile("kafka"));
        assertEquals(Optional.empty(), pidFile("mongo"));

        Scripts.Result again = stack(QUICK, "down");
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.stdout().contains("kafka: not running"), again.output());
        assertTrue(again.stdout().contains("mongo: not running"), again.output());

        Scripts.Result stopped = stack(QUICK, "status");
        assertEquals(ExitCode.DOWN, stopped.exitCode(), stopped.output());
        assertTrue(line(stopped.stdout(), "kafka").matches("kafka\\s+down\\s.*"),
            stopped.output());
        assertTrue(line(stopped.stdout(), "mongo").matches("mongo\\s+down\\s.*"),
            stopped.output());
    }

    @Test
    @Order(2)
    void upAfterTheBrokerWasKilledBringsItBackWithItsTopics() throws Exception {
        Scripts.Result up = stack(FIRST_UP, "up");
        assertEquals(0, up.exitCode(), up.output());
        String topic = "stack-test-" + System.nanoTime();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all()
                .get(60, TimeUnit.SECONDS);
        }
        long killed = pidFile("kafka").orElseThrow();
        ProcessHandle broker = ProcessHandle.of(killed).orElseThrow();
        broker.destroyForcibly();
        broker.onExit().get(60, TimeUnit.SECONDS);

        Scripts.Result back = stack(UP, "up");
        assertEquals(0, back.exitCode(), back.output());
        assertTrue(back.stdout().contains("Kafka ready at localhost:" + kafkaPort),
            back.output());
        long restarted = pidFile("kafka").orElseThrow();
        assertNotEquals(killed, restarted);
        try (Admin admin = admin()) {
            assertTrue(admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(topic),
                "topic " + topic + " lost after kill -9 and up");
            assertEquals(3, admin.describeTopics(List.of(topic)).allTopicNames()
                .get(60, TimeUnit.SECONDS).get(topic).partitions().size());
        }
        Scripts.Result down = stack(QUICK, "down");
        assertEquals(0, down.exitCode(), down.output());
    }

    @Test
    @Order(3)
    void mongoJavaServerBackendAnswersPingAndIsShownByStatus() throws Exception {
        Scripts.Result up = stack(UP, "up", "--mongo-backend", "mongo-java-server");
        try {
            assertEquals(0, up.exitCode(), up.output());
            assertTrue(up.stdout().contains("Mongo backend: mongo-java-server"), up.output());
            assertEquals("test-ping", pingMongo());
            Scripts.Result status = stack(QUICK, "status");
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(line(status.stdout(), "mongo").contains("backend mongo-java-server"),
                status.output());
            assertTrue(line(status.stdout(), "mongo")
                .contains(storage.resolve("mongo/mongo-java-server").toString()), status.output());
        } finally {
            Scripts.Result down = stack(QUICK, "down");
            assertEquals(0, down.exitCode(), down.output());
        }
        assertEquals(Optional.empty(), pidFile("mongo"));
    }

    @Test
    @Order(3)
    void memoryBackendServesMongoAndKeepsNothingAfterDown() throws Exception {
        Scripts.Result up = stack(UP, "up", "--mongo-backend", "memory");
        try {
            assertEquals(0, up.exitCode(), up.output());
            assertTrue(up.stdout().contains("Mongo backend: mongo-java-server"), up.output());
            assertEquals(1, insertAndCount());
            Scripts.Result status = stack(QUICK, "status");
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(line(status.stdout(), "mongo").contains("backend memory"), status.output());
            assertTrue(line(status.stdout(), "mongo").contains("(in memory)"), status.output());
        } finally {
            Scripts.Result down = stack(QUICK, "down");
            assertEquals(0, down.exitCode(), down.output());
        }
        Scripts.Result again = stack(UP, "up", "--mongo-backend", "memory");
        try {
            assertEquals(0, again.exitCode(), again.output());
            assertEquals(1, insertAndCount(), "the document of the first run is gone");
        } finally {
            assertEquals(0, stack(QUICK, "down").exitCode());
        }
    }

    @Test
    @Order(3)
    void autoBackendKeepsTheServerWhoseDataIsInStorage() throws Exception {
        String auto = upTwiceKeepingData("mongo-java-server", UP);
        assertTrue(auto.contains("Mongo backend: mongo-java-server"), auto);
        assertTrue(auto.contains("auto: its data is in "
            + tmp.resolve("storage-mongo-java-server/mongo/mongo-java-server")), auto);
    }

    @Test
    @Order(3)
    void autoBackendKeepsFerretDbWhoseDataIsInStorageAndSaysItIsSlow() throws Exception {
        assumeTrue(onPath("go"), "Go is needed to build FerretDB");
        String auto = upTwiceKeepingData("ferretdb", FERRETDB_UP);
        assertTrue(auto.contains("Mongo backend: FerretDB v1.24.2 with SQLite (auto: its data "
            + "is in " + tmp.resolve("storage-ferretdb/mongo/ferretdb") + ")"), auto);
        assertTrue(auto.contains("Note: FerretDB 1.24 scans a whole collection for every "
            + "update"), auto);
    }

    /**
     * On a storage folder of its own (the shared one holds the first tests' data): 'up' with
     * {@code backend}, a document, 'down', then 'up' with auto, which must find the document
     * again. Returns what the second 'up' printed.
     */
    private static String upTwiceKeepingData(String backend, Duration firstUp) {
        Path own = tmp.resolve("storage-" + backend);
        Scripts.Result first = stackIn(own, firstUp, kafkaPort, mongoPort, "up",
            "--mongo-backend", backend);
        try {
            assertEquals(0, first.exitCode(), first.output());
            assertEquals(1, insertAndCount());
        } finally {
            assertEquals(0, stackIn(own, QUICK, kafkaPort, mongoPort, "down").exitCode());
        }
        Scripts.Result auto = stackIn(own, UP, kafkaPort, mongoPort, "up");
        try {
            assertEquals(0, auto.exitCode(), auto.output());
            assertEquals(2, insertAndCount(), "the document of the first run is kept");
            return auto.stdout();
        } finally {
            assertEquals(0, stackIn(own, QUICK, kafkaPort, mongoPort, "down").exitCode());
        }
    }

    static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }

    @Test
    @Order(3)
    void autoBackendBringsBackTheServerOfAnUpThatDiedWithoutDown() throws Exception {
        Path own = tmp.resolve("storage-crash");
        Scripts.Result first = stackIn(own, UP, kafkaPort, mongoPort, "up",
            "--mongo-backend", "memory");
        try {
            assertEquals(0, first.exitCode(), first.output());
            long pid = Long.parseLong(Files.readString(own.resolve("run/mongo.pid")).trim());
            ProcessHandle mongo = ProcessHandle.of(pid).orElseThrow();
            mongo.destroyForcibly();
            mongo.onExit().get(1, TimeUnit.MINUTES);
            Scripts.Result again = stackIn(own, UP, kafkaPort, mongoPort, "up");
            assertEquals(0, again.exitCode(), again.output());
            assertTrue(again.stdout().contains("Mongo backend: memory (auto: the last 'up' ran "
                + "it and no 'down' followed)"), again.output());
            assertEquals(1, insertAndCount(), "an in-memory server again, empty");
        } finally {
            assertEquals(0, stackIn(own, QUICK, kafkaPort, mongoPort, "down").exitCode());
        }
    }

    /** Inserts one document into a fixed collection and returns how many it then holds. */
    static long insertAndCount() {
        MongoClientSettings settings = MongoClientSettings.builder()
            .applyToClusterSettings(b -> b.hosts(List.of(new ServerAddress("localhost",
                mongoPort))).serverSelectionTimeout(30, TimeUnit.SECONDS))
            .build();
        try (MongoClient client = MongoClients.create(settings)) {
            var c = client.getDatabase("stack_test").getCollection("kept");
            c.insertOne(new Document("at", System.nanoTime()));
            return c.countDocuments();
        }
    }

    @Test
    @Order(4)
    void aKafkaPortHeldByAnotherProgramIsNamedAndNothingIsLeftRunning() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            Scripts.Result up = stackOn(UP, taken, mongoPort, "up");
            assertEquals(ExitCode.CONFLICT, up.exitCode(), up.output());
            assertTrue(up.stderr().contains("port " + taken + " (--kafka-port)"), up.output());
            assertEquals(1, up.stderr().strip().lines().count(), up.output());
        }
        assertEquals(Optional.empty(), pidFile("kafka"));
        assertEquals(Optional.empty(), pidFile("mongo"));
    }

    @Test
    @Order(5)
    void aMongoPortHeldByAnotherProgramIsNamedAndKafkaIsNotStarted() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            Scripts.Result up = stackOn(UP, kafkaPort, taken, "up");
            assertEquals(ExitCode.CONFLICT, up.exitCode(), up.output());
            assertTrue(up.stderr().contains("port " + taken + " (--mongo-port)"), up.output());
        }
        assertEquals(Optional.empty(), pidFile("kafka"));
        assertEquals(Optional.empty(), pidFile("mongo"));
    }

    @Test
    @Order(6)
    void unknownSubcommandIsAUsageErrorWithExitCode2() {
        Scripts.Result r = Scripts.run(QUICK, "stack", "sideways");
        assertEquals(2, r.exitCode(), r.output());
        assertEquals(1, r.stderr().strip().lines().count(), r.output());
        assertTrue(r.stderr().contains("unknown subcommand 'sideways'"), r.output());
    }

    @Test
    @Order(7)
    void unknownFlagIsAUsageErrorNamingTheFlag() {
        Scripts.Result r = Scripts.run(QUICK, "stack", "up", "--kafka-prot", "1");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.stderr().contains("--kafka-prot"), r.output());
        assertFalse(r.stderr().contains("Exception"), r.output());
    }

    @Test
    @Order(8)
    void unwritableStorageIsOneClearLineAndNothingStarts() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        Scripts.Result r = Scripts.run(QUICK, "stack", "up", "--storage",
            file.resolve("storage").toString(), "--kafka-port", Integer.toString(kafkaPort),
            "--controller-port", Integer.toString(controllerPort),
            "--mongo-port", Integer.toString(mongoPort));
        assertEquals(1, r.exitCode(), r.output());
        assertEquals(1, r.stderr().strip().lines().count(), r.output());
        assertTrue(r.stderr().contains("is not writable (--storage)"), r.output());
        assertFalse(portAnswers(kafkaPort) || portAnswers(mongoPort), "something started");
    }

    @Test
    @Order(8)
    void downOnAStorageThatDoesNotExistStopsNothingAndCreatesNothing() {
        Path none = tmp.resolve("never-started");
        Scripts.Result r = Scripts.run(QUICK, "stack", "down", "--storage", none.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.stdout().contains("Nothing to stop: " + none + " does not exist"),
            r.output());
        assertFalse(Files.exists(none), "down created " + none);
    }

    @Test
    @Order(9)
    void wrapperRunsThePinnedJBangVersion() {
        Scripts.Result r = Scripts.run(QUICK, "version");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("0.132.1", r.stdout().strip(), r.output());
    }

    // --- helpers ---------------------------------------------------------------------------

    static Scripts.Result stack(String subcommand) {
        return stack(QUICK, subcommand);
    }

    static Scripts.Result stack(Duration timeout, String subcommand, String... more) {
        return stackOn(timeout, kafkaPort, mongoPort, subcommand, more);
    }

    static Scripts.Result stackOn(Duration timeout, int kafka, int mongo, String subcommand,
                                  String... more) {
        return stackIn(storage, timeout, kafka, mongo, subcommand, more);
    }

    static Scripts.Result stackIn(Path storage, Duration timeout, int kafka, int mongo,
                                  String subcommand, String... more) {
        List<String> args = new ArrayList<>(List.of(subcommand, "--storage", storage.toString(),
            "--kafka-port", Integer.toString(kafka),
            "--controller-port", Integer.toString(controllerPort),
            "--mongo-port", Integer.toString(mongo)));
        args.addAll(List.of(more));
        return Scripts.run(timeout, "stack", args.toArray(String[]::new));
    }

    static Optional<Long> pidFile(String part) throws IOException {
        Path file = storage.resolve("run").resolve(part + ".pid");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(Files.readString(file).trim()));
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static String line(String output, String part) {
        return output.lines().filter(l -> l.startsWith(part + " ")).findFirst()
            .orElseThrow(() -> new AssertionError("no '" + part + "' line in:\n" + output));
    }

    static Admin admin() {
        return Admin.create(Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    static String pingMongo() {
        MongoClientSettings settings = MongoClientSettings.builder()
            .applyToClusterSettings(b -> b.hosts(List.of(new ServerAddress("localhost",
                mongoPort))).serverSelectionTimeout(30, TimeUnit.SECONDS))
            .build();
        try (MongoClient client = MongoClients.create(settings)) {
            Document ok = client.getDatabase("admin").runCommand(new Document("ping", 1));
            return ((Number) ok.get("ok")).intValue() == 1 ? "test-ping" : ok.toJson();
        }
    }

    static boolean portAnswers(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
