package analytics.stack;

import analytics.core.ExitCode;
import analytics.core.Failures;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code stack spark-submit ARGS} is Spark's {@code bin/spark-submit ARGS} with the stack's
 * Spark: as {@code bin/spark-class} does, Spark's launcher ({@code org.apache.spark.launcher.
 * Main}) builds the JVM command of {@code org.apache.spark.deploy.SparkSubmit} (its classpath,
 * the Java module options Spark needs), and that command then runs with this terminal.
 */
final class SparkSubmit {
    private SparkSubmit() {
    }

    /** Runs spark-submit with {@code args} on the Spark of {@code home}; its exit code. */
    static int run(Path home, List<String> args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> launcher = new ArrayList<>(List.of(java, "-Xmx128m", "-cp",
                home.resolve("jars") + File.separator + "*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(launcher);
        environment(pb.environment(), home);
        Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (p.waitFor() != 0) {
            return p.exitValue();
        }
        // The launcher prints the command NUL-separated, after a NUL and a line break that
        // bin/spark-class skips too.
        List<String> command = Arrays.stream(new String(out, StandardCharsets.UTF_8).split("\0"))
                .map(String::strip).filter(a -> !a.isEmpty()).toList();
        if (command.isEmpty()) {
            throw new Failures.UserFacing(ExitCode.FAILED, "Spark's launcher printed no command "
                    + "for spark-submit");
        }
        ProcessBuilder submit = new ProcessBuilder(command).inheritIO();
        environment(submit.environment(), home);
        return submit.start().waitFor();
    }

    private static void environment(Map<String, String> env, Path home) {
        env.put("SPARK_HOME", home.toString());
        // The launcher reads it to find jars/ when SPARK_HOME is not a release build.
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.putIfAbsent("SPARK_LOCAL_IP", Probes.BIND_HOST);
        // Each line of the launcher's command is what it ran: off, it prints nothing else.
        env.remove("SPARK_PRINT_LAUNCH_COMMAND");
    }
}
