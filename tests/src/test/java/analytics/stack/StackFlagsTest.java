package analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.ExitCode;
import analytics.testkit.Ports;
import analytics.testkit.Scripts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the cluster flags: one line naming the culprit, the exit code of its kind, and
 * nothing started (every check runs before the first process).
 */
class StackFlagsTest {
    private static final Duration QUICK = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    @Test
    void zeroKafkaNodesIsAUsageErrorNamingTheFlag() {
        Scripts.Result r = up("--kafka-nodes", "0");
        assertUsage(r, "--kafka-nodes: 1 to 9 Kafka nodes, got 0");
    }

    @Test
    void aNegativeWorkerCountIsAUsageErrorNamingTheFlag() {
        Scripts.Result r = up("--spark-workers", "-1");
        assertUsage(r, "--spark-workers: 0 (no Spark cluster) to 9 workers, got -1");
    }

    @Test
    void portsOfTwoNodesThatCollideAreAUsageErrorNamingBoth() {
        int[] p = Ports.free(1);
        // Node 2's client port (P + 2) is node 1's controller port.
        Scripts.Result r = up("--kafka-nodes", "3", "--kafka-port", String.valueOf(p[0]),
                "--controller-port", String.valueOf(p[0] + 2));
        assertUsage(r, "--controller-port (node 1) and --kafka-port (node 2) must differ");
    }

    @Test
    void aWorkerMemoryInAnotherNotationIsAUsageError() {
        Scripts.Result r = up("--spark-workers", "1", "--worker-memory", "1GB");
        assertUsage(r, "--worker-memory: expected Spark's notation such as 512m or 1g, got '1GB'");
    }

    @Test
    void aSparkMasterPortHeldByAnotherProgramIsAConflictAndNothingStarts() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            Scripts.Result r = up("--spark-workers", "1", "--spark-master-port",
                    String.valueOf(taken));
            assertEquals(ExitCode.CONFLICT, r.exitCode(), r.output());
            assertEquals(1, r.stderr().strip().lines().count(), r.output());
            assertTrue(r.stderr().contains("port " + taken + " (--spark-master-port) is in use"),
                    r.output());
        }
        assertNothingStarted();
    }

    @Test
    void aPortOfOneKafkaNodeHeldByAnotherProgramIsAConflictNamingTheNode() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int taken = squatter.getLocalPort();
            int[] p = Ports.free(5);
            Scripts.Result r = up("--kafka-nodes", "3",
                    "--kafka-port", p[0] + "," + taken + "," + p[1],
                    "--controller-port", p[2] + "," + p[3] + "," + p[4]);
            assertEquals(ExitCode.CONFLICT, r.exitCode(), r.output());
            assertEquals(1, r.stderr().strip().lines().count(), r.output());
            assertTrue(r.stderr().contains("port " + taken + " (--kafka-port, node 2)"),
                    r.output());
        }
        assertNothingStarted();
    }

    @Test
    void downOfAWorkerTheStackDoesNotHaveIsAUsageError() throws IOException {
        Files.createDirectories(tmp.resolve("storage"));
        Scripts.Result r = Scripts.run(QUICK, "stack", "down", "--storage",
                tmp.resolve("storage").toString(), "--worker", "2");
        assertUsage(r, "--worker 2: this stack has no Spark workers");
    }

    @Test
    void kafkaTopicsWithoutARunningStackSaysNoNodeAnswersAndExitsUnreachable() {
        int[] p = Ports.free(2);
        Scripts.Result r = Scripts.run(QUICK, "stack", "kafka-topics", "--storage",
                tmp.resolve("storage").toString(), "--kafka-port", String.valueOf(p[0]),
                "--controller-port", String.valueOf(p[1]), "--list");
        assertEquals(ExitCode.UNREACHABLE, r.exitCode(), r.output());
        assertEquals("stack: no Kafka node answers at localhost:" + p[0] + " (run 'stack up' "
                + "first, or pass --storage of a stack that is up)", r.stderr().strip());
    }

    /** 'up' on this test's storage and free ports, without Mongo; {@code more} wins. */
    private Scripts.Result up(String... more) {
        int[] p = Ports.free(5);
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("--storage", tmp.resolve("storage").toString());
        flags.put("--kafka-port", String.valueOf(p[0]));
        flags.put("--controller-port", String.valueOf(p[1]));
        flags.put("--mongo-backend", "none");
        flags.put("--spark-master-port", String.valueOf(p[2]));
        flags.put("--spark-ui-port", String.valueOf(p[3]));
        flags.put("--worker-ui-port", String.valueOf(p[4]));
        for (int i = 0; i + 1 < more.length; i += 2) {
            flags.put(more[i], more[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("up"));
        flags.forEach((flag, value) -> args.addAll(List.of(flag, value)));
        return Scripts.run(QUICK, "stack", args.toArray(String[]::new));
    }

    private static void assertUsage(Scripts.Result r, String message) {
        assertEquals(ExitCode.USAGE, r.exitCode(), r.output());
        assertEquals(1, r.stderr().strip().lines().count(), r.output());
        assertTrue(r.stderr().startsWith("stack: " + message), r.output());
        assertFalse(r.stderr().contains("Exception"), r.output());
    }

    private void assertNothingStarted() throws IOException {
        Path run = tmp.resolve("storage/run");
        if (Files.isDirectory(run)) {
            try (Stream<Path> files = Files.list(run)) {
                assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".pid"))
                        .toList(), "pid files after a refused 'up'");
            }
        }
        String marker = tmp.resolve("storage").toAbsolutePath() + "/";
        assertFalse(ProcessHandle.allProcesses().anyMatch(p -> commandLine(p).contains(marker)),
                "a process of the refused 'up'");
    }

    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline"))
                    .replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
