package analytics.spark;

import analytics.core.ExitCode;
import analytics.core.Failures;
import org.apache.spark.util.MavenUtils$;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The jars a cluster's executors need for the consumer: the connectors, resolved from Maven
 * with their dependencies by Spark's own resolver (what {@code spark-submit --packages} runs:
 * the local Maven repository first, then Maven Central; Spark's own modules left out), and the
 * job's own classes. The driver serves them to the executors ({@code spark.jars}).
 */
public final class ClusterJars {
    private ClusterJars() {
    }

    /** The packages' jars (local paths), each line of Spark's resolver kept for a failure. */
    public static List<String> resolve(List<String> packages, PrintStream err, String prefix) {
        String coordinates = String.join(",", packages);
        err.println(prefix + "resolving " + coordinates + " for the executors (as spark-submit "
                + "--packages does)");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(log, true, StandardCharsets.UTF_8);
        try {
            var maven = MavenUtils$.MODULE$;
            var ivy = maven.buildIvySettings(scala.Option.empty(), scala.Option.empty(), true,
                    quiet);
            var paths = maven.resolveMavenCoordinates(coordinates, ivy, scala.Option.empty(),
                    true, maven.resolveMavenCoordinates$default$5(), false, quiet);
            return new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(paths));
        } catch (RuntimeException e) {
            String last = log.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("not found") || l.contains("UNRESOLVED"))
                    .findFirst().orElse(Failures.message(e)).strip();
            throw new Failures.UserFacing(ExitCode.USAGE, "cannot resolve " + coordinates
                    + " from Maven (--kafka-package / --mongo-package): " + last);
        }
    }

    /**
     * The jar holding {@code type}: the jar JBang built for the script (the script and its
     * {@code //SOURCES}), or, when the classes are a folder (tests, an IDE), a jar of that
     * folder written to a temporary file.
     */
    public static Path jarOf(Class<?> type) {
        Path where;
        try {
            where = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot find the jar of " + type.getName(), e);
        }
        if (!Files.isDirectory(where)) {
            return where;
        }
        try {
            Path jar = Files.createTempFile("consumer-classes-", ".jar");
            jar.toFile().deleteOnExit();
            try (OutputStream out = Files.newOutputStream(jar);
                 JarOutputStream j = new JarOutputStream(out);
                 Stream<Path> files = Files.walk(where)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    j.putNextEntry(new JarEntry(where.relativize(f).toString()
                            .replace('\\', '/')));
                    Files.copy(f, j);
                    j.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a jar of " + where, e);
        }
    }
}
