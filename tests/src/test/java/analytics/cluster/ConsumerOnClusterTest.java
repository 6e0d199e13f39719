package analytics.cluster;

import static analytics.cluster.ClusterFixtures.assertEqualsTruth;
import static analytics.cluster.ClusterFixtures.awaitCounted;
import static analytics.cluster.ClusterFixtures.concat;
import static analytics.cluster.ClusterFixtures.consumerArgs;
import static analytics.cluster.ClusterFixtures.onCluster;
import static analytics.cluster.ClusterFixtures.produce;
import static analytics.cluster.ClusterFixtures.producerArgs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.testkit.ConsumerFixtures;
import analytics.testkit.GroundTruth;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestCluster;
import analytics.testkit.TestStack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consumer on a real Spark standalone cluster (a master and two workers, each a process
 * of its own, executors launched by the workers) reading a 3-node Kafka, started with
 * {@code ./jbang stack up --kafka-nodes 3 --spark-workers 2}; faults are {@code kill -9} of
 * real processes while the producer and the consumer run. Every test ends comparing the
 * documents with the independent ground truth of the topic.
 */
@ExtendWith(StackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsumerOnClusterTest {
    private static final Duration RUN = Duration.ofMinutes(6);
    private TestCluster cluster;
    private Path work;

    @BeforeAll
    void startCluster() throws Exception {
        work = Files.createTempDirectory("cluster-test-");
        cluster = TestCluster.builder().kafkaNodes(3).sparkWorkers(2).maxWorkers(3)
                .workerCores(1).workerMemory("1g").storage(work.resolve("cluster")).start();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private MongoDatabase db(TestStack stack) {
        return stack.mongo().getDatabase(stack.newDatabaseName());
    }

    private String checkpoint(String name) {
        return work.resolve(name).toString();
    }

    @Test
    @Order(1)
    void aClusterRunFromJBangOrSparkSubmitCountsExactlyWhatALocalRunCounts(TestStack stack)
            throws Exception {
        String topic = ClusterFixtures.createTopic(cluster, "same");
        produce(producerArgs(cluster.bootstrap(), topic, 20_000, 0, 11, "2026-11-29T00:00:00Z"));
        MongoDatabase onCluster = db(stack);
        MongoDatabase local = db(stack);
        MongoDatabase submitted = db(stack);

        Scripts.Result c = Scripts.run(RUN, "consumer", concat(consumerArgs(stack,
                cluster.bootstrap(), topic, onCluster.getName(), checkpoint("same-cluster"),
                "--available-now"), onCluster(cluster)));
        assertEquals(0, c.exitCode(), c.output());
        assertTrue(c.stdout().contains("on " + cluster.sparkMaster() + " (2 executors)"),
                c.output());
        Scripts.Result l = Scripts.run(RUN, "consumer", concat(consumerArgs(stack,
                cluster.bootstrap(), topic, local.getName(), checkpoint("same-local"),
                "--available-now"), "--master", "local[2]"));
        assertEquals(0, l.exitCode(), l.output());

        // The README's spark-submit route: the script's jar, the connectors as --packages.
        Path jar = work.resolve("consumer.jar");
        Scripts.Result export = Scripts.run(RUN, "export", "local", "--force", "-O",
                jar.toString(), "scripts/consumer.java");
        assertEquals(0, export.exitCode(), export.output());
        Scripts.Result s = cluster.stack(RUN, "spark-submit", concat(List.of("--packages",
                String.join(",", Defaults.KAFKA_PACKAGE, Defaults.MONGO_PACKAGE,
                        "info.picocli:picocli:4.7.7"), "--executor-memory", "512m",
                "--class", "analytics.scripts.consumer", jar.toString()),
                concat(consumerArgs(stack, cluster.bootstrap(), topic, submitted.getName(),
                        checkpoint("same-submitted"), "--available-now"), "--conf",
                        "spark.master.ui.port=" + uiPort())));
        assertEquals(0, s.exitCode(), s.output());
        assertTrue(s.stdout().contains("on " + cluster.sparkMaster() + " ("), s.output());

        assertEqualsTruth(cluster.bootstrap(), topic, onCluster);
        assertEquals(ClusterFixtures.documents(local), ClusterFixtures.documents(onCluster),
                "the cluster's documents are the local run's, field for field");
        assertEquals(ClusterFixtures.documents(local), ClusterFixtures.documents(submitted),
                "spark-submit's documents are the local run's, field for field");
    }

    private String uiPort() {
        return cluster.masterUi().substring(cluster.masterUi().lastIndexOf(':') + 1);
    }

    @Test
    @Order(2)
    void aKafkaNodeKilledAndRestartedLosesAndDuplicatesNothing(TestStack stack)
            throws Exception {
        String topic = ClusterFixtures.createTopic(cluster, "node-down", 3);
        MongoDatabase db = db(stack);
        try (Scripts.Running consumer = Scripts.start("consumer", concat(consumerArgs(stack,
                cluster.bootstrap(), topic, db.getName(), checkpoint("node-down")),
                onCluster(cluster)));
             Scripts.Running producer = Scripts.start("producer", producerArgs(
                     cluster.bootstrap(), topic, 12_000, 400, 12, "2026-11-29T01:00:00Z"))) {
            awaitCounted(consumer, db, 2_000, RUN);
            long node = cluster.kafkaPid(2);
            cluster.kill(node);
            awaitCounted(consumer, db, 6_000, RUN);
            cluster.restartKafkaNode(2);
            Scripts.Result p = producer.await(RUN);
            assertEquals(0, p.exitCode(), "every record acknowledged\n" + p.output());
            long acked = ClusterFixtures.acknowledged(p.stdout());

            List<byte[]> records = GroundTruth.readAll(cluster.bootstrap(), topic);
            assertEquals(acked, records.size(), "every acknowledged record is in the topic");
            Set<String> distinct = new HashSet<>();
            records.forEach(r -> distinct.add(new String(r)));
            assertEquals(records.size(), distinct.size(), "no record is in the topic twice");

            awaitCounted(consumer, db, acked, RUN);
            assertTrue(consumer.process().isAlive(), "the consumer carried on");
            Scripts.Result stopped = consumer.terminate(Duration.ofMinutes(1));
            assertEquals(0, stopped.exitCode(), stopped.output());
        }
        assertEqualsTruth(cluster.bootstrap(), topic, db);
    }

    @Test
    @Order(3)
    void aKilledExecutorThenAKilledWorkerMoveTheTasksToTheOtherWorker(TestStack stack)
            throws Exception {
        String topic = ClusterFixtures.createTopic(cluster, "worker-down");
        MongoDatabase db = db(stack);
        try (Scripts.Running consumer = Scripts.start("consumer", concat(consumerArgs(stack,
                cluster.bootstrap(), topic, db.getName(), checkpoint("worker-down")),
                onCluster(cluster)))) {
            produce(producerArgs(cluster.bootstrap(), topic, 3_000, 0, 13,
                    "2026-11-29T02:00:00Z"));
            awaitCounted(consumer, db, 3_000, RUN);

            // An executor of worker 1 dies: the worker launches another for the job.
            ProcessHandle executor = cluster.executors(1).get(0);
            cluster.kill(executor.pid());
            produce(producerArgs(cluster.bootstrap(), topic, 3_000, 0, 14,
                    "2026-11-29T02:01:00Z"));
            awaitCounted(consumer, db, 6_000, RUN);

            // Worker 1 dies, and its executors with it: worker 2 runs every task from now on.
            List<ProcessHandle> itsExecutors = cluster.executors(1);
            cluster.kill(cluster.workerPid(1));
            ConsumerFixtures.await(Duration.ofMinutes(1), "worker 1's executors gone",
                    () -> itsExecutors.stream().noneMatch(ProcessHandle::isAlive));
            produce(producerArgs(cluster.bootstrap(), topic, 3_000, 0, 15,
                    "2026-11-29T02:02:00Z"));
            awaitCounted(consumer, db, 9_000, RUN);
            assertFalse(cluster.executors(2).isEmpty(), "worker 2 runs the job's executor");
            Scripts.Result stopped = consumer.terminate(Duration.ofMinutes(1));
            assertEquals(0, stopped.exitCode(), stopped.output());
        } finally {
            cluster.up(); // worker 1 back for the tests after this one
        }
        assertEqualsTruth(cluster.bootstrap(), topic, db);
    }

    @Test
    @Order(4)
    void theDriverKilledAndRestartedOnTheClusterEndsExact(TestStack stack) throws Exception {
        String topic = ClusterFixtures.createTopic(cluster, "driver-down");
        MongoDatabase db = db(stack);
        List<String> args = consumerArgs(stack, cluster.bootstrap(), topic, db.getName(),
                checkpoint("driver-down"));
        produce(producerArgs(cluster.bootstrap(), topic, 4_000, 0, 16, "2026-11-29T03:00:00Z"));
        try (Scripts.Running first = Scripts.start("consumer", concat(args,
                concat(List.of(onCluster(cluster)), "--max-offsets-per-trigger", "500")))) {
            awaitCounted(first, db, 1_500, RUN);
            first.kill(); // kill -9 of the driver: its executors go with its application
        }
        produce(producerArgs(cluster.bootstrap(), topic, 2_000, 0, 17, "2026-11-29T03:01:00Z"));
        Scripts.Result second = Scripts.run(RUN, "consumer", concat(args,
                concat(List.of(onCluster(cluster)), "--available-now")));
        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.stdout().contains("(resuming from the checkpoint)"), second.output());
        assertEqualsTruth(cluster.bootstrap(), topic, db);
    }

    @Test
    @Order(5)
    void aWorkerAddedMidStreamGetsTheJobsTasks(TestStack stack) throws Exception {
        String topic = ClusterFixtures.createTopic(cluster, "rescale");
        MongoDatabase db = db(stack);
        int uiPort = StackExtension.freePort();
        // The driver's own REST API tells which executor ran how many tasks.
        try (Scripts.Running consumer = Scripts.start("consumer", concat(consumerArgs(stack,
                cluster.bootstrap(), topic, db.getName(), checkpoint("rescale"),
                "--min-partitions", "6"), onCluster(cluster, "--conf", "spark.ui.enabled=true",
                "--conf", "spark.ui.port=" + uiPort)))) {
            produce(producerArgs(cluster.bootstrap(), topic, 2_000, 0, 18,
                    "2026-11-29T04:00:00Z"));
            awaitCounted(consumer, db, 2_000, RUN);
            int added = cluster.addWorker();
            ConsumerFixtures.await(Duration.ofMinutes(2), "an executor on the new worker",
                    () -> !cluster.executors(added).isEmpty());
            long sent = 2_000;
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (tasksOnWorker(uiPort, cluster.workerUi(added)) == 0) {
                assertTrue(System.nanoTime() < deadline, "no task ran on worker " + added
                        + "\n" + consumer.stdout() + consumer.stderr());
                produce(producerArgs(cluster.bootstrap(), topic, 1_000, 0, 100 + sent,
                        "2026-11-29T04:01:00Z"));
                sent += 1_000;
                awaitCounted(consumer, db, sent, RUN);
            }
            Scripts.Result stopped = consumer.terminate(Duration.ofMinutes(1));
            assertEquals(0, stopped.exitCode(), stopped.output());
        } finally {
            cluster.stopWorker(cluster.workers());
        }
        assertEqualsTruth(cluster.bootstrap(), topic, db);
    }

    /** Tasks the job's executors on the worker at {@code workerUi} have run (driver REST). */
    private static long tasksOnWorker(int driverUi, String workerUi) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        String base = "http://127.0.0.1:" + driverUi + "/api/v1/applications";
        JsonNode apps = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        String app = apps.get(0).path("id").asText();
        JsonNode executors = json.readTree(http.send(HttpRequest.newBuilder(URI.create(
                base + "/" + app + "/executors")).build(), HttpResponse.BodyHandlers.ofString())
                .body());
        // An executor's log links point at its worker's web UI.
        long tasks = 0;
        for (JsonNode e : executors) {
            if (e.path("executorLogs").path("stdout").asText().startsWith(workerUi)) {
                tasks += e.path("totalTasks").asLong();
            }
        }
        return tasks;
    }
}
