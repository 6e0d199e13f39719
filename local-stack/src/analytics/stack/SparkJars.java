package analytics.stack;

import static analytics.stack.Console.say;
import static analytics.stack.Console.seconds;

import analytics.core.ExitCode;
import analytics.core.Failures;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A SPARK_HOME for one Spark version, made of Spark's own jars from Maven Central: JBang
 * resolves {@code local-stack/spark/SparkDistribution.java} ({@code spark-core_2.13} and
 * {@code spark-sql_2.13}) with {@code ./jbang info classpath}, and {@code jars/} links each
 * jar. Master and workers run on {@code jars/*}; a worker gives its executors the same folder
 * (Spark builds their classpath from {@code $SPARK_HOME/jars}).
 */
final class SparkJars {
    private SparkJars() {
    }

    private static final String RECIPE = "local-stack/spark/SparkDistribution.java";
    /** Downloading some 280 MB of jars the first time: a bound for a slow mirror. */
    private static final Duration RESOLVE_BOUND = Duration.ofMinutes(20);

    /** The SPARK_HOME of {@code version}, resolving and linking its jars when needed. */
    static Path home(Layout layout, String version) throws IOException, InterruptedException {
        Path root = layout.projectRoot();
        if (root == null) {
            throw new Failures.UserFacing(ExitCode.FAILED, "cannot find the project root (a "
                    + "folder with scripts/stack.java) to resolve Spark's jars with "
                    + RECIPE + "; run inside the project");
        }
        Path recipe = root.resolve(RECIPE);
        Path dir = layout.sparkDir(version);
        Path home = layout.sparkHome(version);
        Path jars = home.resolve("jars");
        Path classpathFile = dir.resolve("classpath.txt");
        Path stamp = dir.resolve("classpath.sha256");
        String digest = MongoPart.digest(recipe) + " " + version;
        if (Files.exists(stamp) && Files.readString(stamp).trim().equals(digest)
                && linksResolve(jars)) {
            return home;
        }
        Files.createDirectories(dir);
        Path log = layout.logs().resolve("spark-jars.log");
        say("Resolving Spark %s's jars with JBang (a version not yet in ~/.m2 is downloaded "
                + "from Maven Central first; log: %s)", version, log);
        Instant start = Instant.now();
        Path out = dir.resolve("classpath.tmp");
        List<String> command = List.of(root.resolve("jbang").toString(), "info", "classpath",
                "--deps-only", "-Dspark.version=" + version, recipe.toString());
        Processes.appendToLog(log, "stack: " + String.join(" ", command));
        Process p = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(RESOLVE_BOUND.toMinutes(), TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new Failures.UserFacing(ExitCode.FAILED, "resolving Spark " + version
                    + "'s jars did not finish within " + RESOLVE_BOUND.toMinutes()
                    + " minutes; see " + log);
        }
        List<Path> classpath = Arrays.stream(Files.readString(out).trim()
                        .split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar")).map(Path::of).toList();
        String core = "spark-core_2.13-" + version + ".jar";
        if (p.exitValue() != 0 || classpath.stream().noneMatch(j -> j.endsWith(core))) {
            throw new Failures.UserFacing(ExitCode.FAILED, "cannot resolve Spark " + version
                    + " (--spark-version) from Maven Central: JBang exited " + p.exitValue()
                    + (p.exitValue() == 0 ? " without " + core : "") + "; see " + log);
        }
        link(jars, classpath);
        Files.move(out, classpathFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(stamp, digest + "\n");
        say("Spark %s: %d jars linked into %s in %s", version, classpath.size(), jars,
                seconds(Duration.between(start, Instant.now())));
        return home;
    }

    /** Replaces {@code jars/} with one symbolic link per jar (no copy of 280 MB). */
    private static void link(Path jars, List<Path> classpath) throws IOException {
        if (Files.isDirectory(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(jars);
        List<String> names = new ArrayList<>();
        for (Path jar : classpath) {
            String name = jar.getFileName().toString();
            if (names.contains(name)) {
                // Two artifacts of one file name from different groups: keep both.
                name = jar.getParent().getParent().getParent().getFileName() + "-" + name;
            }
            names.add(name);
            Files.createSymbolicLink(jars.resolve(name), jar);
        }
    }

    /** Whether {@code jars/} exists and every link still finds its jar. */
    private static boolean linksResolve(Path jars) throws IOException {
        if (!Files.isDirectory(jars)) {
            return false;
        }
        try (Stream<Path> links = Files.list(jars)) {
            return links.allMatch(Files::exists);
        }
    }
}
