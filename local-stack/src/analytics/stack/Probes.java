package analytics.stack;

import analytics.core.Backoff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.bson.Document;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Whether the stack's servers answer, asked the way their clients ask. */
final class Probes {
    private Probes() {
    }

    static final String BIND_HOST = "127.0.0.1";
    /** Advertised host name: what clients use, as in the Docker compose file. */
    static final String CLIENT_HOST = "localhost";

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

    // --- Kafka ---------------------------------------------------------------------------

    static Map<String, Object> adminConfig(String bootstrap) {
        return Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
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

    /** The cluster id when a Kafka broker at {@code bootstrap} answers within the timeout. */
    static Optional<String> kafkaClusterId(String bootstrap, Duration timeout) {
        try (Admin admin = Admin.create(adminConfig(bootstrap))) {
            Backoff.Attempts attempts = Backoff.STANDARD.within(timeout);
            while (true) {
                Optional<String> id = clusterId(admin, Duration.ofSeconds(3));
                Optional<Duration> wait = id.isPresent() ? Optional.empty() : attempts.failed();
                if (wait.isEmpty() || !attempts.sleep(wait.get())) {
                    return id;
                }
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<String> clusterId(Admin admin, Duration timeout) {
        return get(describe(admin, timeout).clusterId(), timeout);
    }

    /** The ids of the brokers the cluster has registered, and the active controller's. */
    record Brokers(Set<Integer> ids, int controller) {
    }

    static Optional<Brokers> brokers(Admin admin, Duration timeout) {
        DescribeClusterResult r = describe(admin, timeout);
        Optional<Collection<Node>> nodes = get(r.nodes(), timeout);
        Optional<Node> controller = get(r.controller(), timeout);
        if (nodes.isEmpty()) {
            return Optional.empty();
        }
        Set<Integer> ids = new TreeSet<>();
        nodes.get().forEach(n -> ids.add(n.id()));
        return Optional.of(new Brokers(ids, controller.map(Node::id).orElse(-1)));
    }

    /** Partitions (internal topics too) with fewer in-sync replicas than replicas. */
    static OptionalInt underReplicated(Admin admin, Duration timeout) {
        Optional<Set<String>> names = get(admin.listTopics(new ListTopicsOptions()
                .listInternal(true).timeoutMs((int) timeout.toMillis())).names(), timeout);
        if (names.isEmpty()) {
            return OptionalInt.empty();
        }
        if (names.get().isEmpty()) {
            return OptionalInt.of(0);
        }
        Optional<Map<String, TopicDescription>> topics = get(admin.describeTopics(names.get())
                .allTopicNames(), timeout);
        if (topics.isEmpty()) {
            return OptionalInt.empty();
        }
        int under = 0;
        for (TopicDescription t : topics.get().values()) {
            under += (int) t.partitions().stream()
                    .filter(p -> p.isr().size() < p.replicas().size()).count();
        }
        return OptionalInt.of(under);
    }

    private static DescribeClusterResult describe(Admin admin, Duration timeout) {
        return admin.describeCluster(new DescribeClusterOptions()
                .timeoutMs((int) timeout.toMillis()));
    }

    private static <T> Optional<T> get(org.apache.kafka.common.KafkaFuture<T> future,
                                       Duration timeout) {
        try {
            return Optional.ofNullable(future.get(timeout.toMillis() + 500L,
                    TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    // --- Mongo ---------------------------------------------------------------------------

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

    // --- HTTP (Spark's web UIs) ----------------------------------------------------------

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1)).build();
    // Jackson as Kafka 4.1.1 brings it (jackson-databind 2.19.0): no second copy on the
    // broker's classpath.
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON a Spark master or worker UI serves at {@code <ui>/json/}, if it answers. */
    static Optional<JsonNode> sparkJson(String uiUrl, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(uiUrl + "/json/"))
                    .timeout(timeout).GET().build();
            HttpResponse<String> response = HTTP.send(request,
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
