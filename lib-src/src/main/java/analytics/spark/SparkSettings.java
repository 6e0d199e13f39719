package analytics.spark;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Spark settings as spark-submit takes them: a properties file ({@code --properties-file},
 * spark-defaults.conf format) and {@code --conf KEY=VALUE}, the latter winning. Errors are
 * {@link IllegalArgumentException}s naming the flag and the key, never a value (a value may
 * be a password).
 */
public final class SparkSettings {
    private SparkSettings() {
    }

    /**
     * Settings the consumer decides itself; the reason names the flag to use. The connector's
     * keys make every write an idempotent upsert into the collections the schema names.
     */
    public static final Map<String, String> OWNED = Map.of(
            "spark.sql.shuffle.partitions", "use --shuffle-partitions",
            "spark.mongodb.write.connection.uri", "use --mongo-uri",
            "spark.mongodb.connection.uri", "use --mongo-uri",
            "spark.mongodb.write.database", "use --db",
            "spark.mongodb.write.collection", "the collections are the schema's",
            "spark.mongodb.write.operationType", "every write is a replace with upsert",
            "spark.mongodb.write.idFieldList", "documents are keyed by _id",
            "spark.mongodb.write.upsertDocument", "every write is a replace with upsert",
            "spark.jars.packages", "use --kafka-package / --mongo-package");

    /** The file's settings, then each {@code --conf}; keys must start with {@code spark.}. */
    public static Map<String, String> load(Path propertiesFile, List<String> conf) {
        Map<String, String> m = new LinkedHashMap<>();
        if (propertiesFile != null) {
            Properties p = new Properties();
            // spark-defaults.conf separates key and value by white space; Properties does too.
            try (Reader in = Files.newBufferedReader(propertiesFile)) {
                p.load(in);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("Invalid value for option '--properties-file':"
                        + " cannot read '" + propertiesFile + "': no such file");
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid value for option '--properties-file':"
                        + " cannot read '" + propertiesFile + "'");
            }
            for (String k : p.stringPropertyNames()) {
                m.put(check("--properties-file", k), p.getProperty(k).strip());
            }
        }
        for (String pair : conf) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid value for option '--conf': "
                        + (eq < 0 ? "'" + pair + "' is not KEY=VALUE" : "a KEY=VALUE without KEY")
                        + " (e.g. --conf spark.executor.memory=2g)");
            }
            m.put(check("--conf", pair.substring(0, eq).strip()), pair.substring(eq + 1));
        }
        return m;
    }

    private static String check(String flag, String key) {
        if (!key.startsWith("spark.")) {
            throw new IllegalArgumentException("Invalid value for option '" + flag + "': '" + key
                    + "' is not a Spark setting (they start with spark.)");
        }
        return key;
    }

    /** Refuses the settings of {@link #OWNED}, naming the first one (sorted) and what to do. */
    public static void refuseOwned(Map<String, String> settings) {
        settings.keySet().stream().sorted().filter(k -> OWNED.containsKey(k)
                || OWNED.keySet().stream().anyMatch(o -> o.equalsIgnoreCase(k)))
                .findFirst().ifPresent(k -> {
                    String why = OWNED.entrySet().stream()
                            .filter(e -> e.getKey().equalsIgnoreCase(k)).findFirst()
                            .orElseThrow().getValue();
                    throw new IllegalArgumentException("Spark setting '" + k + "' cannot be set: "
                            + why);
                });
    }

    /**
     * The master: the flag, else {@code spark.master} of the settings, else the one
     * spark-submit was given (its {@code spark.master} system property), else local[*].
     */
    public static String master(String flag, Map<String, String> settings) {
        if (flag != null && !flag.isBlank()) {
            return flag.strip();
        }
        String m = settings.get("spark.master");
        if (m == null || m.isBlank()) {
            m = System.getProperty("spark.master");
        }
        return m == null || m.isBlank() ? "local[*]" : m.strip();
    }

    /** Whether this JVM was started by spark-submit (which then ships the jars itself). */
    public static boolean underSparkSubmit() {
        return System.getProperty("spark.submit.deployMode") != null;
    }

    private static final Pattern SIZE = Pattern.compile("\\d+[kmgt]?b?", Pattern.CASE_INSENSITIVE);

    /** A memory size as Spark takes it (512m, 2g); the flag names a bad one. */
    public static String size(String flag, String text) {
        String t = text.strip();
        if (!SIZE.matcher(t).matches()) {
            throw new IllegalArgumentException("Invalid value for option '" + flag + "': '" + text
                    + "' is not a size such as 512m or 2g");
        }
        return t;
    }
}
