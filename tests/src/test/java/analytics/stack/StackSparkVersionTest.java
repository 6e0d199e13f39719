package analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.testkit.Scripts;
import analytics.testkit.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --spark-version}: a cluster of another Spark than the consumer's, from that version's
 * own jars (what a test of a driver/cluster version mismatch needs).
 */
class StackSparkVersionTest {
    /** Another release on Maven Central than the consumer's (architecture note). */
    private static final String OTHER = "4.1.1";

    @TempDir
    Path tmp;

    @Test
    void theSparkRecipeDefaultsToTheConsumersSparkVersion() throws Exception {
        String recipe = Files.readString(Scripts.projectRoot()
                .resolve("local-stack/spark/SparkDistribution.java"));
        for (String module : List.of("spark-core_2.13", "spark-sql_2.13")) {
            assertTrue(recipe.contains("//DEPS org.apache.spark:" + module + ":${spark.version:"
                    + Defaults.SPARK_VERSION + "}"), module + " in\n" + recipe);
        }
    }

    @Test
    void aClusterOfAnotherSparkVersionRunsThatVersionsOwnJars() throws Exception {
        assertNotEquals(Defaults.SPARK_VERSION, OTHER);
        Path storage = tmp.resolve("other");
        try (TestCluster cluster = TestCluster.builder().kafkaNodes(1).sparkWorkers(1)
                .sparkVersion(OTHER).storage(storage).start()) {
            Scripts.Result status = cluster.status();
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(StackClusterTest.line(status.stdout(), "spark-master")
                    .contains("(Spark " + OTHER + " standalone, ALIVE; 1 alive worker(s)"),
                    status.output());
            // Spark's own word: the master and the worker run the classes of that release.
            String masterLog = Files.readString(storage.resolve("logs/spark-master.log"));
            assertTrue(masterLog.contains("Running Spark version " + OTHER), masterLog);
            String workerLog = Files.readString(storage.resolve("logs/spark-worker-1.log"));
            assertTrue(workerLog.contains("Running Spark version " + OTHER), workerLog);
            try (Stream<Path> jars = Files.list(storage.resolve("spark/" + OTHER + "/home/jars"))) {
                List<String> names = jars.map(j -> j.getFileName().toString()).toList();
                assertTrue(names.contains("spark-core_2.13-" + OTHER + ".jar"), names.toString());
                assertTrue(names.stream().noneMatch(n -> n.contains(Defaults.SPARK_VERSION)
                        && n.startsWith("spark-")), names.toString());
            }
        }
    }
}
