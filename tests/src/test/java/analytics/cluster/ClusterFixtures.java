package analytics.cluster;

import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.testkit.ConsumerFixtures;
import analytics.testkit.GroundTruth;
import analytics.testkit.Scripts;
import analytics.testkit.TestCluster;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.bson.Document;

/** What the consumer-on-a-cluster tests share: topics, runs of the two scripts, waits. */
final class ClusterFixtures {
    private ClusterFixtures() {
    }

    static final Windows WINDOWS = ConsumerFixtures.DEFAULT_WINDOWS;

    /** A topic of the original's shape: 3 partitions, replication factor 2. */
    static String createTopic(TestCluster cluster, String prefix) throws Exception {
        return createTopic(cluster, prefix, 2);
    }

    /**
     * A topic of 3 partitions and {@code replicas} replicas. With the cluster's
     * {@code min.insync.replicas=2}, only 3 replicas keep taking acknowledged writes while one
     * node is down (docs/stack.md).
     */
    static String createTopic(TestCluster cluster, String prefix, int replicas)
            throws Exception {
        String topic = prefix + "-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) replicas))).all()
                    .get(1, TimeUnit.MINUTES);
        }
        return topic;
    }

    /** The producer's flags for reproducible events: a seed and a fixed start time. */
    static String[] producerArgs(String brokers, String topic, long count, int rate, long seed,
                                 String startTime) {
        return new String[] {"--broker", brokers, "--topic", topic, "--count",
            Long.toString(count), "--rate", Integer.toString(rate), "--users", "300",
            "--items", "120", "--seed", Long.toString(seed), "--start-time", startTime,
            "--invalid-fraction", "0.01", "--report-interval", "2s"};
    }

    /** Runs the producer to its end; fails unless every record was acknowledged. */
    static long produce(String... args) {
        Scripts.Result r = Scripts.run(Duration.ofMinutes(5), "producer", args);
        if (r.exitCode() != 0) {
            throw new AssertionError("producer failed\n" + r.output());
        }
        return acknowledged(r.stdout());
    }

    /** The acknowledged records of a producer's summary line. */
    static long acknowledged(String stdout) {
        for (String line : stdout.lines().toList()) {
            if (line.startsWith("summary: ")) {
                return Long.parseLong(line.substring("summary: ".length()).split(" ")[0]);
            }
        }
        throw new AssertionError("no summary line\n" + stdout);
    }

    /** The consumer's flags for one test: its topic, database and checkpoint. */
    static List<String> consumerArgs(TestStack stack, String brokers, String topic, String db,
                                     String checkpointBase, String... extra) {
        List<String> a = new ArrayList<>(List.of("--brokers", brokers, "--topic", topic,
                "--mongo-uri", stack.mongoUri(), "--db", db, "--checkpoint-base",
                checkpointBase, "--trigger", "1s"));
        a.addAll(List.of(extra));
        return a;
    }

    /** The flags that put the consumer on the cluster (client mode, from JBang). */
    static String[] onCluster(TestCluster cluster, String... extra) {
        List<String> a = new ArrayList<>(List.of("--master", cluster.sparkMaster(),
                "--executor-memory", "512m", "--conf", "spark.master.ui.port="
                        + cluster.masterUi().substring(cluster.masterUi().lastIndexOf(':') + 1)));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** Records the consumer's micro-batches have read in all, from pipeline_progress. */
    static long counted(MongoDatabase db) {
        long n = 0;
        for (Document d : db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                .find(Filters.gt("input_rows", 0))) {
            n += ((Number) d.get("input_rows")).longValue();
        }
        return n;
    }

    /** Waits until the running consumer has counted {@code rows} records in all. */
    static void awaitCounted(Scripts.Running consumer, MongoDatabase db, long rows,
                             Duration timeout) {
        ConsumerFixtures.await(timeout, rows + " records counted", () -> {
            if (!consumer.process().isAlive()) {
                throw new AssertionError("the consumer exited\n" + consumer.stdout()
                        + consumer.stderr());
            }
            return counted(db) >= rows;
        });
    }

    /** Both aggregates' documents, and the dead letters, equal the topic's ground truth. */
    static GroundTruth assertEqualsTruth(String brokers, String topic, MongoDatabase db) {
        GroundTruth truth = ConsumerFixtures.assertStoredEqualsTruth(brokers, topic, WINDOWS,
                db);
        org.junit.jupiter.api.Assertions.assertEquals(truth.invalid(),
                db.getCollection(KpiSchema.INVALID_COLLECTION).countDocuments(),
                "one dead letter per invalid record");
        return truth;
    }

    /** Every stored document of both aggregates, by _id (for comparing two runs). */
    static Map<String, Document> documents(MongoDatabase db) {
        Map<String, Document> all = new java.util.TreeMap<>();
        for (Aggregate a : Aggregate.values()) {
            for (Document d : db.getCollection(a.collection()).find()) {
                all.put(a.collection() + "/" + d.getString("_id"), d);
            }
        }
        for (Document d : db.getCollection(KpiSchema.INVALID_COLLECTION).find()) {
            all.put(KpiSchema.INVALID_COLLECTION + "/" + d.getString("_id"), d);
        }
        return all;
    }
}
