package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.testkit.Scripts;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/notebooks.sh serve}'s answers to bad input and to a taken port: one line naming
 * the culprit and the project's exit code (2 usage, 4 conflict), never a secret and never a
 * started kernel. Served pages themselves are {@link DashboardPageBrowserTest}'s.
 */
class ServeCommandTest {

    record Run(int exitCode, String output) {
    }

    @Test
    void anAddressBeyondLoopbackNeedsAllowRemoteAndATokenOrPassword() throws Exception {
        Run bare = serve(List.of("--ip", "0.0.0.0", "--port", "48999"), null);
        assertEquals(2, bare.exitCode(), bare.output());
        assertTrue(bare.output().contains("--ip 0.0.0.0 is not loopback: add --allow-remote"),
                bare.output());
        Run noSecret = serve(List.of("--ip", "0.0.0.0", "--allow-remote", "--port", "48999"),
                null);
        assertEquals(2, noSecret.exitCode(), noSecret.output());
        assertTrue(noSecret.output().contains("needs JUPYTER_TOKEN or DASHBOARD_PASSWORD"),
                noSecret.output());
    }

    @Test
    void valuesOutOfRangeAreUsageErrorsNamingTheFlag() throws Exception {
        Run refresh = serve(List.of("--refresh", "1s", "--port", "48999"), null);
        assertEquals(2, refresh.exitCode(), refresh.output());
        assertTrue(refresh.output().contains("--refresh must be between 2s and 30s (got 1s)"),
                refresh.output());
        Run unit = serve(List.of("--refresh", "soon", "--port", "48999"), null);
        assertEquals(2, unit.exitCode(), unit.output());
        assertTrue(unit.output().contains("--refresh must be a duration"), unit.output());
        Run users = serve(List.of("--top-users", "0", "--port", "48999"), null);
        assertEquals(2, users.exitCode(), users.output());
        assertTrue(users.output().contains("--top-users must be between 1 and 100"),
                users.output());
        Run flag = serve(List.of("--colour", "red"), null);
        assertEquals(2, flag.exitCode(), flag.output());
        assertTrue(flag.output().contains("unknown flag --colour"), flag.output());
    }

    @Test
    void aTakenPortIsAConflict() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(taken.getLocalPort());
            Run r = serve(List.of("--port", port), "mongodb://app:s3cret@127.0.0.1:1");
            assertEquals(4, r.exitCode(), r.output());
            assertTrue(r.output().contains("port " + port + " on 127.0.0.1 is taken"),
                    r.output());
            assertFalse(r.output().contains("s3cret"), r.output());
            assertFalse(r.output().contains("kernel ready"), r.output());
        }
    }

    private static Run serve(List<String> flags, String mongoUri) throws IOException,
            InterruptedException {
        Path root = Scripts.projectRoot();
        List<String> cmd = new ArrayList<>(List.of("bash",
                root.resolve("scripts/notebooks.sh").toString(), "serve"));
        cmd.addAll(flags);
        Path log = Files.createTempFile("serve-usage-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("NOTEBOOKS_SKIP_BUILD",
                Files.exists(root.resolve("storage/jupyter/classpath.txt")) ? "1" : "0");
        pb.environment().remove("JUPYTER_TOKEN");
        pb.environment().remove("DASHBOARD_PASSWORD");
        if (mongoUri != null) {
            pb.environment().put("MONGO_URI", mongoUri);
        }
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("serve did not exit in 5 min\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Run(p.exitValue(), out);
    }
}
