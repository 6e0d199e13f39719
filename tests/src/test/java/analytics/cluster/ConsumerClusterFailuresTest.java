package analytics.cluster;

import static analytics.cluster.ClusterFixtures.concat;
import static analytics.cluster.ClusterFixtures.consumerArgs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.ExitCode;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestCluster;
import analytics.testkit.TestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clusters that cannot serve the consumer, each met with one line naming the culprit and a
 * non-zero exit, never a hang (Spark itself would wait without end).
 */
@ExtendWith(StackExtension.class)
class ConsumerClusterFailuresTest {
    private static final Duration RUN = Duration.ofMinutes(4);

    private static List<String> args(TestStack stack, String brokers) throws Exception {
        Path ck = Files.createTempDirectory("cluster-fail-");
        return consumerArgs(stack, brokers, stack.createTopic(1), stack.newDatabaseName(),
                ck.toString(), "--available-now");
    }

    /** The consumer's own lines on stderr (JBang's are left out). */
    private static List<String> lines(Scripts.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("consumer: ")).toList();
    }

    @Test
    void aMasterThatDoesNotAnswerIsNamedWithinTheConnectWait(TestStack stack) throws Exception {
        String master = "spark://127.0.0.1:" + StackExtension.freePort();
        long start = System.nanoTime();
        Scripts.Result r = Scripts.run(RUN, "consumer", concat(args(stack,
                stack.kafkaBootstrap()), "--master", master, "--connect-timeout", "3s"));
        assertEquals(ExitCode.UNREACHABLE, r.exitCode(), r.output());
        List<String> lines = lines(r);
        assertTrue(lines.get(lines.size() - 1).startsWith("consumer: Spark master at " + master
                + " not reachable within 3s ("), r.output());
        assertFalse(r.output().contains("Exception"), r.output());
        assertTrue(System.nanoTime() - start < Duration.ofMinutes(2).toNanos());
    }

    @Test
    void aBrokerListWhereNoNodeAnswersIsOneLine(TestStack stack) throws Exception {
        String brokers = "127.0.0.1:" + StackExtension.freePort() + ",127.0.0.1:"
                + StackExtension.freePort();
        Scripts.Result r = Scripts.run(RUN, "consumer", concat(args(stack, brokers),
                "--connect-timeout", "4s"));
        assertEquals(ExitCode.UNREACHABLE, r.exitCode(), r.output());
        List<String> lines = lines(r);
        assertTrue(lines.get(lines.size() - 1).startsWith("consumer: Kafka at " + brokers
                + " not reachable within 4s ("), r.output());
        assertFalse(r.output().contains("Exception"), r.output());
    }

    @Test
    void aClusterWithoutRoomForAnExecutorSaysSoWithinAMinute(TestStack stack) throws Exception {
        Path dir = Files.createTempDirectory("cluster-small-");
        try (TestCluster small = TestCluster.builder().kafkaNodes(1).sparkWorkers(1)
                .maxWorkers(1).workerCores(1).workerMemory("512m").storage(dir.resolve("c"))
                .start()) {
            long start = System.nanoTime();
            Scripts.Result r = Scripts.run(RUN, "consumer", concat(args(stack,
                    stack.kafkaBootstrap()), "--master", small.sparkMaster(),
                    "--executor-memory", "1g", "--conf", "spark.master.ui.port="
                            + port(small.masterUi())));
            long took = System.nanoTime() - start;
            assertEquals(ExitCode.UNREACHABLE, r.exitCode(), r.output());
            assertTrue(r.stderr().contains("consumer: the Spark cluster at " + small.sparkMaster()
                    + " cannot give this job an executor: an executor needs 1 core and 1024 MB"),
                    r.output());
            assertTrue(r.stderr().contains("has free is 1 core and 512 MB"), r.output());
            assertTrue(took < Duration.ofMinutes(1).toNanos(), took / 1e9 + " s");
        }
    }

    @Test
    void aClusterOfAnotherSparkVersionIsNamedWithBothVersions(TestStack stack)
            throws Exception {
        Path dir = Files.createTempDirectory("cluster-other-");
        try (TestCluster other = TestCluster.builder().kafkaNodes(1).sparkWorkers(1)
                .maxWorkers(1).sparkVersion("4.1.1").storage(dir.resolve("c")).start()) {
            Scripts.Result r = Scripts.run(RUN, "consumer", concat(args(stack,
                    stack.kafkaBootstrap()), "--master", other.sparkMaster(), "--conf",
                    "spark.master.ui.port=" + port(other.masterUi())));
            assertEquals(ExitCode.UNREACHABLE, r.exitCode(), r.output());
            assertTrue(r.stderr().contains("consumer: the Spark cluster at "
                    + other.sparkMaster() + " runs Spark 4.1.1, this consumer Spark 4.2.0"),
                    r.output());
        }
    }

    private static String port(String url) {
        return url.substring(url.lastIndexOf(':') + 1);
    }
}
