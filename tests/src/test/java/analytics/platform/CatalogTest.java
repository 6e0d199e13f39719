package analytics.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.testkit.Scripts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The JBang catalog and the scripts' pinned dependencies. */
class CatalogTest {
    private static final Path ROOT = Scripts.projectRoot();

    private static JsonNode aliases() throws IOException {
        return new ObjectMapper().readTree(ROOT.resolve("jbang-catalog.json").toFile())
                .get("aliases");
    }

    @Test
    void everyAliasHasAOneLineDescriptionAndAnExistingScript() throws IOException {
        Iterator<Map.Entry<String, JsonNode>> it = aliases().fields();
        int n = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String description = e.getValue().path("description").asText("");
            assertFalse(description.isBlank(), e.getKey() + " has no description");
            assertFalse(description.contains("\n"), e.getKey() + ": description not one line");
            Path script = ROOT.resolve(e.getValue().path("script-ref").asText());
            assertTrue(Files.isRegularFile(script), e.getKey() + ": no " + script);
            n++;
        }
        assertTrue(n >= 4, "catalog lists " + n + " aliases");
    }

    @Test
    void theConnectorsAClusterIsSentAreTheOnesTheConsumerIsBuiltWith() throws IOException {
        String consumer = Files.readString(ROOT.resolve("scripts/consumer.java"));
        for (String gav : List.of(analytics.core.Defaults.KAFKA_PACKAGE,
                analytics.core.Defaults.MONGO_PACKAGE)) {
            assertTrue(consumer.contains("//DEPS " + gav + "\n"), gav + " not in //DEPS");
        }
    }

    @Test
    void theBuildCarriesTheProjectsOneVersion() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        // The project's own <version>, after its parent-less <artifactId>.
        Matcher m = Pattern.compile("<artifactId>interaction-analytics</artifactId>\\s*"
                + "<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no project version in pom.xml");
        assertEquals(analytics.core.Version.VERSION + "-SNAPSHOT", m.group(1));
    }

    @Test
    void everyScriptPrintsTheProjectsOneVersion() {
        for (String alias : List.of("producer", "consumer", "cleanup", "stack")) {
            Scripts.Result r = Scripts.run(Duration.ofMinutes(10), alias, "--version");
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(alias + " " + analytics.core.Version.VERSION, r.stdout().strip(),
                    r.output());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyAliasBuildsWithJBang() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        aliases().fieldNames().forEachRemaining(alias -> tests.add(DynamicTest.dynamicTest(
                "./jbang build " + alias, () -> {
                    Scripts.Result r = Scripts.run(Duration.ofMinutes(10), "build", alias);
                    assertEquals(0, r.exitCode(), r.output());
                })));
        return tests.stream();
    }

    @Test
    void scriptDependenciesUseTheVersionsPinnedInTheRootPom() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Map<String, String> pinned = new HashMap<>();
        pinned.put("info.picocli:picocli", property(pom, "picocli.version"));
        pinned.put("com.fasterxml.jackson.core:jackson-databind", property(pom, "jackson.version"));
        pinned.put("com.fasterxml.jackson.core:jackson-core", property(pom, "jackson.version"));
        pinned.put("org.apache.kafka:kafka-clients", property(pom, "kafka.version"));
        pinned.put("org.mongodb:mongodb-driver-sync", property(pom, "mongodb.driver.version"));
        pinned.put("org.apache.spark:spark-sql_2.13", property(pom, "spark.version"));
        pinned.put("org.apache.spark:spark-sql-kafka-0-10_2.13", property(pom, "spark.version"));
        pinned.put("org.mongodb.spark:mongo-spark-connector_2.13",
                property(pom, "mongo.spark.version"));
        pinned.put("tech.tablesaw:tablesaw-core", property(pom, "tablesaw.version"));
        pinned.put("org.knowm.xchart:xchart", property(pom, "xchart.version"));
        Pattern deps = Pattern.compile("^//DEPS\\s+([^:\\s]+):([^:\\s]+):([^:\\s@]+)",
                Pattern.MULTILINE);
        int checked = 0;
        try (Stream<Path> scripts = Files.list(ROOT.resolve("scripts"))) {
            for (Path script : scripts.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = deps.matcher(Files.readString(script));
                while (m.find()) {
                    String ga = m.group(1) + ":" + m.group(2);
                    assertFalse(m.group(3).contains("+") || m.group(3).contains("["),
                            script.getFileName() + ": " + ga + " is not pinned");
                    if (pinned.containsKey(ga)) {
                        assertEquals(pinned.get(ga), m.group(3),
                                script.getFileName() + ": " + ga + " differs from pom.xml");
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 0, "no pinned dependency found in scripts/");
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertTrue(m.find(), "pom.xml has no property " + name);
        return m.group(1).trim();
    }
}
