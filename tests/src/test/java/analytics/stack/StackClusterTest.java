package analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.core.ExitCode;
import analytics.testkit.Await;
import analytics.testkit.Scripts;
import analytics.testkit.TestCluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./jbang stack up --kafka-nodes 3 --spark-workers 2} as a user runs it: three Kafka
 * JVMs, a Spark master and workers, executors when a job runs, all real processes on free
 * ports. The tests share one cluster (one start-up on a 2-core machine) in this order: what
 * status shows, Kafka's own tool and the replication defaults, a node killed with kill -9 and
 * brought back, a worker added and one stopped, then 'down' under a running application.
 * Waits are bounded polls of a condition.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackClusterTest {
    private static final Duration QUICK = Duration.ofMinutes(2);
    private static final Duration FENCED = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    static TestCluster cluster;

    @BeforeAll
    static void startTheCluster() {
        long start = System.nanoTime();
        cluster = TestCluster.builder().kafkaNodes(3).sparkWorkers(2)
                .storage(tmp.resolve("cluster")).start();
        System.out.printf("[cluster] 3 Kafka nodes, a Spark master and 2 workers up in %.1f s%n",
                (System.nanoTime() - start) / 1e9);
    }

    @AfterAll
    static void stopTheCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void statusShowsEachKafkaNodeTheMasterAndBothWorkersWithTheirCoresAndMemory()
            throws Exception {
        Set<Long> pids = new HashSet<>();
        Scripts.Result status = cluster.status();
        assertEquals(0, status.exitCode(), status.output());
        assertTrue(line(status.stdout(), "kafka").matches("kafka\\s+up\\s+"
                + cluster.bootstrap() + "\\s+3 of 3 nodes .*3 registered.*"), status.output());
        for (int node = 1; node <= 3; node++) {
            long pid = cluster.kafkaPid(node);
            assertTrue(TestCluster.alive(pid));
            pids.add(pid);
            assertTrue(line(status.stdout(), "kafka-" + node).matches("kafka-" + node
                    + "\\s+up\\s+" + cluster.kafkaAddress(node) + "\\s+pid " + pid
                    + "\\s+data .*node-" + node + "/data .*"), status.output());
        }
        long master = cluster.masterPid();
        pids.add(master);
        assertTrue(line(status.stdout(), "spark-master").matches("spark-master\\s+up\\s+"
                + cluster.sparkMaster() + "\\s+pid " + master + "\\s+ui " + cluster.masterUi()
                + "\\s+\\(Spark " + Defaults.SPARK_VERSION + " standalone, ALIVE; 2 alive .*"),
                status.output());
        for (int w = 1; w <= 2; w++) {
            long pid = cluster.workerPid(w);
            pids.add(pid);
            assertTrue(line(status.stdout(), "spark-worker-" + w).matches("spark-worker-" + w
                    + "\\s+up\\s+127\\.0\\.0\\.1:\\d+\\s+pid " + pid + "\\s+ui "
                    + cluster.workerUi(w) + "\\s+\\(1 core \\(0 used\\), 1024 MB \\(0 used\\); "
                    + "0 executors\\)"), status.output());
        }
        assertEquals(6, pids.size(), "six processes of their own: " + pids);
        // Spark's own view: the master lists both workers, alive, with what they offer.
        JsonNode json = masterJson();
        assertEquals("ALIVE", json.path("status").asText());
        assertEquals(2, json.path("aliveworkers").asInt(), json.toString());
        for (JsonNode worker : json.path("workers")) {
            assertEquals(1, worker.path("cores").asInt(), worker.toString());
            assertEquals(1024, worker.path("memory").asInt(), worker.toString());
        }
        assertEquals(cluster.sparkMaster(), json.path("url").asText());
    }

    @Test
    @Order(2)
    void theOriginalsKafkaTopicsCommandCreatesATopicOfTwoReplicasSpreadOverTheThreeNodes()
            throws Exception {
        Scripts.Result create = cluster.stack(QUICK, "kafka-topics", "--create", "--topic",
                "test-topic", "--partitions", "3", "--replication-factor", "2");
        assertEquals(0, create.exitCode(), create.output());
        assertTrue(create.stdout().contains("Created topic test-topic."), create.output());
        Scripts.Result describe = cluster.stack(QUICK, "kafka-topics", "--describe", "--topic",
                "test-topic");
        assertEquals(0, describe.exitCode(), describe.output());
        assertTrue(describe.stdout().contains("PartitionCount: 3"), describe.output());
        assertTrue(describe.stdout().contains("ReplicationFactor: 2"), describe.output());
        try (Admin admin = admin()) {
            TopicDescription d = describe(admin, "test-topic");
            assertEquals(3, d.partitions().size());
            Set<Integer> nodes = new TreeSet<>();
            for (TopicPartitionInfo p : d.partitions()) {
                assertEquals(2, p.replicas().size(), p.toString());
                p.replicas().forEach(n -> nodes.add(n.id()));
            }
            assertEquals(Set.of(1, 2, 3), nodes, "replicas spread over all nodes");
        }
        Scripts.Result again = cluster.stack(QUICK, "kafka-topics", "--create", "--topic",
                "test-topic", "--partitions", "3", "--replication-factor", "2");
        assertEquals(ExitCode.FAILED, again.exitCode(), again.output());
        assertEquals("stack: kafka-topics: Topic 'test-topic' already exists.",
                again.stderr().strip(), again.output());
    }

    @Test
    @Order(3)
    void newTopicsAndTheInternalTopicsGetThreeReplicasWithTwoInSync() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("defaults", Optional.of(2),
                    Optional.empty()))).all().get(1, TimeUnit.MINUTES);
            assertReplicas(describe(admin, "defaults"), 3);
            Config config = admin.describeConfigs(List.of(new ConfigResource(
                    ConfigResource.Type.TOPIC, "defaults"))).all().get(1, TimeUnit.MINUTES)
                    .values().iterator().next();
            assertEquals("2", config.get("min.insync.replicas").value());

            // A committed offset creates __consumer_offsets, a transaction __transaction_state.
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig())) {
                TopicPartition tp = new TopicPartition("defaults", 0);
                consumer.assign(List.of(tp));
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)),
                        Duration.ofMinutes(1));
            }
            Properties p = producerConfig();
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "stack-cluster-test");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("defaults", "k", "v"));
                producer.commitTransaction();
            }
            assertReplicas(describe(admin, "__consumer_offsets"), 3);
            assertReplicas(describe(admin, "__transaction_state"), 3);
        }
    }

    @Test
    @Order(4)
    void aKafkaNodeKilledWithKillMinus9IsReportedDownAndRejoinsAfterUp() throws Exception {
        try (Admin admin = admin(); KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerConfig())) {
            admin.createTopics(List.of(new NewTopic("survivor", 3, (short) 3))).all()
                    .get(1, TimeUnit.MINUTES);
            Await.until(QUICK, "leaders for every partition of 'survivor'", () ->
                    describe(admin, "survivor").partitions().stream()
                            .allMatch(p -> p.leader() != null));
            long killed = cluster.kafkaPid(2);
            cluster.kill(killed);

            Scripts.Result down = cluster.status();
            assertEquals(ExitCode.DOWN, down.exitCode(), down.output());
            assertTrue(line(down.stdout(), "kafka-2").matches("kafka-2\\s+down\\s.*"),
                    down.output());
            assertTrue(line(down.stdout(), "kafka-1").matches("kafka-1\\s+up\\s.*"),
                    down.output());
            assertTrue(line(down.stdout(), "kafka").contains("2 of 3 nodes"), down.output());
            // Fenced: the cluster takes node 2 out of every in-sync set.
            Await.until(FENCED, "node 2 out of the in-sync replicas", () ->
                    describe(admin, "survivor").partitions().stream()
                            .allMatch(p -> p.isr().stream().noneMatch(n -> n.id() == 2)));
            // Two of three in sync is min.insync.replicas: acks=all writes still succeed.
            producer.send(new ProducerRecord<>("survivor", "k", "while node 2 is down"))
                    .get(1, TimeUnit.MINUTES);

            long back = cluster.restartKafkaNode(2);
            assertNotEquals(killed, back);
            assertTrue(cluster.lastUp().stdout().contains("Starting Kafka 4.1.1 node 2 of 3"),
                    cluster.lastUp().output());
            assertFalse(cluster.lastUp().stdout().contains("Starting Kafka 4.1.1 node 1"),
                    cluster.lastUp().output());
            // 'up' returns once the node has caught up: full in-sync sets at once.
            for (TopicPartitionInfo p : describe(admin, "survivor").partitions()) {
                assertEquals(3, p.isr().size(), "partition " + p.partition() + " " + p);
            }
            Scripts.Result status = cluster.status();
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(line(status.stdout(), "kafka").contains("0 partition(s) under-replicated"),
                    status.output());
        }
    }

    @Test
    @Order(5)
    void aWorkerAddedToTheRunningClusterRegistersAndStoppingOneLeavesTheOthers()
            throws Exception {
        long master = cluster.masterPid();
        long first = cluster.workerPid(1);
        long second = cluster.workerPid(2);
        int added = cluster.addWorker();
        assertEquals(3, added);
        String up = cluster.lastUp().stdout();
        assertTrue(up.contains("Starting Spark " + Defaults.SPARK_VERSION + " worker 3"), up);
        assertFalse(up.contains("worker 1 (") || up.contains("worker 2 ("), up);
        assertTrue(up.contains("Spark master already running at " + cluster.sparkMaster()
                + " (pid " + master + "): reused"), up);
        assertEquals(first, cluster.workerPid(1));
        assertEquals(second, cluster.workerPid(2));
        JsonNode json = masterJson();
        assertEquals(3, json.path("aliveworkers").asInt(), json.toString());
        assertTrue(aliveWorkerUis(json).contains(cluster.workerUi(3)), json.toString());

        Scripts.Result stop = cluster.stopWorker(2);
        assertEquals(0, stop.exitCode(), stop.output());
        assertTrue(stop.stdout().contains("spark-worker-2: stopped (pid " + second + ")"),
                stop.output());
        assertFalse(TestCluster.alive(second), "worker 2 outlived 'down --worker 2'");
        Await.until(QUICK, "the master to drop worker 2", () ->
                !aliveWorkerUis(masterJson()).contains(cluster.workerUi(2)));
        assertEquals(Set.of(cluster.workerUi(1), cluster.workerUi(3)),
                aliveWorkerUis(masterJson()));
        assertTrue(TestCluster.alive(first) && TestCluster.alive(cluster.workerPid(3)));
        assertTrue(TestCluster.alive(master));
        Scripts.Result status = cluster.status();
        assertEquals(0, status.exitCode(), "a worker stopped on purpose is no alarm\n"
                + status.output());
        assertTrue(line(status.stdout(), "spark-worker-2").matches("spark-worker-2\\s+off\\s.*"),
                status.output());
    }

    @Test
    @Order(6)
    void downStopsEveryProcessOfTheClusterIncludingTheExecutorsOfARunningApplication()
            throws Exception {
        Path out = tmp.resolve("driver.out");
        Process driver = driver(out);
        try {
            Await.until(Duration.ofMinutes(4), "the driver's job on two executors", () -> {
                assertTrue(driver.isAlive(), "the driver exited\n" + Files.readString(out)
                        + Files.readString(tmp.resolve("driver.err")));
                return Files.readString(out).contains("counted 7 groups")
                        && cluster.executors().size() == 2;
            });
            List<ProcessHandle> executors = cluster.executors();
            assertEquals(1, cluster.executors(1).size(), "worker 1 runs one executor");
            assertEquals(1, cluster.executors(3).size(), "worker 3 runs one executor");
            Scripts.Result status = cluster.status();
            assertEquals(0, status.exitCode(), status.output());
            for (ProcessHandle e : executors) {
                assertTrue(status.stdout().lines().anyMatch(l -> l.matches("\\s+executor\\s+up\\s+"
                        + "app-\\S+/\\d+\\s+pid " + e.pid() + "\\s+\\(1 core, 512M\\)")),
                        status.output());
            }
            List<Long> pids = new ArrayList<>(List.of(cluster.kafkaPid(1), cluster.kafkaPid(2),
                    cluster.kafkaPid(3), cluster.masterPid(), cluster.workerPid(1),
                    cluster.workerPid(3)));
            executors.forEach(e -> pids.add(e.pid()));

            Scripts.Result down = cluster.stack(Duration.ofMinutes(3), "down");
            assertEquals(0, down.exitCode(), down.output());
            for (long pid : pids) {
                assertFalse(TestCluster.alive(pid), "pid " + pid + " outlived 'down'\n"
                        + down.output());
            }
            assertEquals(List.of(), cluster.processes(), "processes left by 'down'");
            Scripts.Result status2 = cluster.status();
            assertEquals(ExitCode.DOWN, status2.exitCode(), status2.output());
        } finally {
            driver.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        }
    }

    // --- helpers ---------------------------------------------------------------------------

    /** {@link SparkProbeJob} in a JVM of its own, on the tests' classpath and JVM options. */
    private static Process driver(Path out) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Spark's --add-opens as this JVM got them from the build.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")
                        || a.startsWith("-Dio.netty") || a.startsWith("-XX:+Ignore"))
                .forEach(command::add);
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")));
        command.add(SparkProbeJob.class.getName());
        command.add(cluster.sparkMaster());
        command.add("2");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(tmp.resolve("driver.err").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private static JsonNode masterJson() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.masterUi()
                + "/json/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return JSON.readTree(r.body());
    }

    private static Set<String> aliveWorkerUis(JsonNode json) {
        Set<String> uis = new TreeSet<>();
        for (JsonNode w : json.path("workers")) {
            if ("ALIVE".equals(w.path("state").asText())) {
                uis.add(w.path("webuiaddress").asText());
            }
        }
        return uis;
    }

    private static void assertReplicas(TopicDescription d, int replicas) {
        assertFalse(d.partitions().isEmpty(), d.name());
        for (TopicPartitionInfo p : d.partitions()) {
            assertEquals(replicas, p.replicas().size(), d.name() + " " + p);
        }
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(1, TimeUnit.MINUTES)
                .get(topic);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrap(), AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    private static Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        return p;
    }

    private static Properties consumerConfig() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "stack-cluster-test");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        return p;
    }

    static String line(String output, String part) {
        return output.lines().filter(l -> l.startsWith(part + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + part + "' line in:\n" + output));
    }
}
