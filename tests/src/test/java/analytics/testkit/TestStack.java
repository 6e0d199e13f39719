package analytics.testkit;

import analytics.core.Secrets;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.bson.Document;

/**
 * The Kafka broker and MongoDB-protocol server a test run uses. Each test asks for its own
 * topic and database, so tests never see each other's data.
 */
public final class TestStack implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final String kafkaBootstrap;
    private final String mongoUri;
    private final Runnable onClose;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private volatile Admin admin;
    private volatile MongoClient mongo;

    TestStack(String kafkaBootstrap, String mongoUri, Runnable onClose) {
        this.kafkaBootstrap = kafkaBootstrap;
        this.mongoUri = mongoUri;
        this.onClose = onClose;
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String mongoUri() {
        return mongoUri;
    }

    /** A shared Kafka admin client. */
    public synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
            admin = Admin.create(p);
        }
        return admin;
    }

    /** A shared MongoDB client. */
    public synchronized MongoClient mongo() {
        if (mongo == null) {
            mongo = MongoClients.create(mongoUri);
        }
        return mongo;
    }

    /** Creates a topic with a unique name and the given partition count, and returns it. */
    public String createTopic(int partitions) {
        String name = "it-" + runId + "-" + SEQ.incrementAndGet();
        try {
            admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
            // Wait until every partition has a leader, so producers never see a missing topic.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                org.apache.kafka.clients.admin.TopicDescription d;
                try {
                    d = admin().describeTopics(List.of(name)).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get(name);
                } catch (ExecutionException e) {
                    // Just created: a loaded broker may not know the topic in its metadata yet.
                    if (!(e.getCause() instanceof
                            org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                            || System.nanoTime() > deadline) {
                        throw e;
                    }
                    continue;
                }
                if (d.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return name;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " has no leaders");
                }
                Thread.onSpinWait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name + " on "
                    + kafkaBootstrap + ": " + e.getMessage(), e);
        }
    }

    /** A database name no other test uses. */
    public String newDatabaseName() {
        return "it_" + runId + "_" + SEQ.incrementAndGet();
    }

    /** One line naming the servers, e.g. for the test log. */
    public String describe() {
        String kafka;
        try {
            var cluster = admin().describeCluster();
            kafka = "Kafka at " + kafkaBootstrap + " (cluster "
                    + cluster.clusterId().get(30, TimeUnit.SECONDS) + ", "
                    + cluster.nodes().get(30, TimeUnit.SECONDS).size() + " node(s))";
        } catch (Exception e) {
            kafka = "Kafka at " + kafkaBootstrap + " (unreachable: " + e.getMessage() + ")";
        }
        String mongoDesc;
        try {
            Document info = mongo().getDatabase("admin").runCommand(new Document("buildInfo", 1));
            Object ferret = info.get("ferretdbVersion");
            String server = ferret == null ? "MongoDB-protocol server"
                    : "unknown".equals(ferret) ? "FerretDB" : "FerretDB " + ferret;
            mongoDesc = server
                    + " (reports MongoDB " + info.get("version") + ") at "
                    + Secrets.maskUri(mongoUri);
        } catch (Exception e) {
            mongoDesc = "Mongo at " + Secrets.maskUri(mongoUri) + " (unreachable: "
                    + e.getMessage() + ")";
        }
        return kafka + "; " + mongoDesc;
    }

    /** Environment variables that point a script at this stack. */
    public Map<String, String> env() {
        return Map.of("KAFKA_BOOTSTRAP", kafkaBootstrap, "MONGO_URI", mongoUri);
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(10));
            admin = null;
        }
        if (mongo != null) {
            mongo.close();
            mongo = null;
        }
        onClose.run();
    }
}
