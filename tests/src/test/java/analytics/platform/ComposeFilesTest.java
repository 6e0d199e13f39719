package analytics.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.testkit.Scripts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Docker compose files, read as Docker Compose reads them (no engine here): the services,
 * ports, replication settings, health checks, and image versions equal to the ones the project
 * pins in the root pom.xml.
 */
class ComposeFilesTest {
    private static final Path ROOT = Scripts.projectRoot();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+):-([^}]*)}");
    private static final List<String> KAFKA_NODES = List.of("kafka-1", "kafka-2", "kafka-3");
    private static final List<String> WORKERS = List.of("spark-worker-1", "spark-worker-2");

    private static JsonNode compose(String file) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("Docker").resolve(file)
                .toFile());
    }

    /** The text with each {@code ${NAME:-default}} replaced by its default, as Compose does. */
    private static String defaults(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String pinned(String property) throws IOException {
        Matcher m = Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)</")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), "pom.xml has no property " + property);
        return m.group(1).trim();
    }

    private static String env(JsonNode service, String name) {
        JsonNode v = service.path("environment").path(name);
        assertFalse(v.isMissingNode(), name + " missing in " + service);
        return defaults(v.asText()).strip();
    }

    @Test
    void clusterFileHasThreeKafkaNodesASparkMasterAndTwoWorkers() throws IOException {
        JsonNode services = compose("docker-compose.cluster.yml").path("services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        Set<String> expected = new TreeSet<>(KAFKA_NODES);
        expected.addAll(WORKERS);
        expected.addAll(List.of("kafka-init", "spark-master"));
        assertEquals(expected, names);
    }

    @Test
    void clusterImagesAreVariablesDefaultingToTheProjectsPinnedVersions() throws IOException {
        JsonNode services = compose("docker-compose.cluster.yml").path("services");
        assertEquals(Defaults.SPARK_VERSION, pinned("spark.version"));
        for (var it = services.fields(); it.hasNext(); ) {
            var e = it.next();
            String image = e.getValue().path("image").asText();
            String expected = e.getKey().startsWith("kafka")
                    ? "apache/kafka:${KAFKA_IMAGE_VERSION:-" + pinned("kafka.version") + "}"
                    : "apache/spark:${SPARK_IMAGE_VERSION:-" + Defaults.SPARK_VERSION + "}";
            assertEquals(expected, image, e.getKey());
        }
        String single = compose("docker-compose.yml").path("services").path("kafka")
                .path("image").asText();
        assertEquals("apache/kafka:${KAFKA_IMAGE_VERSION:-" + pinned("kafka.version") + "}",
                single);
    }

    @Test
    void kafkaNodesFormOneClusterReplicatingEveryTopicThreeTimesWithTwoInSync()
            throws IOException {
        JsonNode services = compose("docker-compose.cluster.yml").path("services");
        Set<String> clusterIds = new HashSet<>();
        Set<String> nodeIds = new HashSet<>();
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < KAFKA_NODES.size(); i++) {
            String name = KAFKA_NODES.get(i);
            voters.add((i + 1) + "@" + name + ":9093");
        }
        for (String name : KAFKA_NODES) {
            JsonNode node = services.path(name);
            nodeIds.add(env(node, "KAFKA_NODE_ID"));
            clusterIds.add(env(node, "CLUSTER_ID"));
            assertEquals("broker,controller", env(node, "KAFKA_PROCESS_ROLES"), name);
            assertEquals(String.join(",", voters), env(node, "KAFKA_CONTROLLER_QUORUM_VOTERS"),
                    name);
            String hostPort = hostPorts(node).get(0).split(":")[1];
            assertTrue(env(node, "KAFKA_ADVERTISED_LISTENERS").contains(
                    "PLAINTEXT_HOST://localhost:" + hostPort), name);
            assertTrue(env(node, "KAFKA_ADVERTISED_LISTENERS").contains(
                    "PLAINTEXT://" + name + ":19092"), name);
            assertEquals("3", env(node, "KAFKA_DEFAULT_REPLICATION_FACTOR"), name);
            assertEquals("2", env(node, "KAFKA_MIN_INSYNC_REPLICAS"), name);
            assertEquals("3", env(node, "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"), name);
            assertEquals("3", env(node, "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"), name);
            assertEquals("2", env(node, "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"), name);
            assertTrue(node.path("volumes").get(0).asText().endsWith(":/var/lib/kafka/data"),
                    name);
        }
        assertEquals(Set.of("1", "2", "3"), nodeIds);
        assertEquals(1, clusterIds.size(), "one cluster id: " + clusterIds);
    }

    @Test
    void theInitServiceCreatesTheOriginalsTopicOnceAllNodesAreHealthy() throws IOException {
        JsonNode init = compose("docker-compose.cluster.yml").path("services").path("kafka-init");
        for (String node : KAFKA_NODES) {
            assertEquals("service_healthy", init.path("depends_on").path(node)
                    .path("condition").asText(), node);
        }
        List<String> command = new ArrayList<>();
        init.path("command").forEach(a -> command.add(defaults(a.asText())));
        String line = String.join(" ", command);
        assertTrue(line.contains("--create --if-not-exists --topic " + Defaults.TOPIC
                + " --partitions 3 --replication-factor 2"), line);
    }

    @Test
    void sparkMasterAndWorkersRunTheStandaloneDaemonsWithTheRestPortOff() throws IOException {
        JsonNode services = compose("docker-compose.cluster.yml").path("services");
        JsonNode master = services.path("spark-master");
        assertEquals("-Dspark.master.rest.enabled=false", env(master, "SPARK_MASTER_OPTS"));
        String masterCommand = String.join(" ", args(master));
        assertTrue(masterCommand.contains("org.apache.spark.deploy.master.Master --host "
                + "spark-master --port 7077 --webui-port 8080"), masterCommand);
        for (String name : WORKERS) {
            JsonNode worker = services.path(name);
            String command = String.join(" ", args(worker));
            assertTrue(command.contains("org.apache.spark.deploy.worker.Worker --host " + name
                    + " --cores 1 --memory 1g"), command);
            assertTrue(command.endsWith("spark://spark-master:7077"), command);
            assertEquals("service_healthy", worker.path("depends_on").path("spark-master")
                    .path("condition").asText(), name);
        }
    }

    @Test
    void everyServerHasAClientHealthCheckAndPublishesDistinctLoopbackPorts()
            throws IOException {
        JsonNode services = compose("docker-compose.cluster.yml").path("services");
        Set<String> hostPorts = new HashSet<>();
        for (var it = services.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("kafka-init")) {
                continue;
            }
            JsonNode check = e.getValue().path("healthcheck").path("test");
            assertEquals("CMD-SHELL", check.path(0).asText(), e.getKey());
            String probe = check.path(1).asText();
            assertTrue(probe.contains("kafka-broker-api-versions.sh")
                    || probe.contains("GET /json/"), e.getKey() + ": " + probe);
            for (String published : hostPorts(e.getValue())) {
                assertTrue(published.startsWith("127.0.0.1:"), e.getKey() + ": " + published);
                assertTrue(hostPorts.add(published), "port published twice: " + published);
            }
        }
        assertTrue(hostPorts.containsAll(Set.of("127.0.0.1:9092", "127.0.0.1:9094",
                "127.0.0.1:9096", "127.0.0.1:7077", "127.0.0.1:8080", "127.0.0.1:8081",
                "127.0.0.1:8082")), hostPorts.toString());
    }

    /** "127.0.0.1:9092" for each "127.0.0.1:${VAR:-9092}:9092" entry, defaults applied. */
    private static List<String> hostPorts(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("ports").forEach(p -> {
            String mapping = defaults(p.asText());
            out.add(mapping.substring(0, mapping.lastIndexOf(':')));
        });
        return out;
    }

    private static List<String> args(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("command").forEach(a -> out.add(defaults(a.asText())));
        return out;
    }
}
