package analytics.spark;

import analytics.core.Defaults;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where and how a Spark job runs, in spark-submit's words ({@code @Mixin} of the consumer):
 * the master, executor memory and cores, the driver's address, {@code --conf} and a properties
 * file, and the connector packages a cluster's executors load.
 */
public final class SparkSubmitOptions {

    @Option(names = "--master", paramLabel = "URL", defaultValue = "${env:SPARK_MASTER:-}",
            description = "Spark master: local[*], local[N] or spark://HOST:PORT (env "
                    + "SPARK_MASTER; default local[*], or the master spark-submit was given).")
    String master;

    @Option(names = "--executor-memory", paramLabel = "SIZE",
            defaultValue = "${env:SPARK_EXECUTOR_MEMORY:-}",
            description = "Memory per executor on a cluster, e.g. 1g, 512m "
                    + "(spark.executor.memory; env SPARK_EXECUTOR_MEMORY; default Spark's 1g).")
    String executorMemory;

    @Option(names = "--total-executor-cores", paramLabel = "N", defaultValue = "0",
            description = "Cores the job takes from a cluster in all (spark.cores.max; "
                    + "default 0: all it offers).")
    int totalExecutorCores;

    @Option(names = "--driver-host", paramLabel = "HOST",
            defaultValue = "${env:SPARK_DRIVER_HOST:-}",
            description = "Address the executors reach this driver at (spark.driver.host; env "
                    + "SPARK_DRIVER_HOST; default 127.0.0.1 for a local master or one on "
                    + "loopback, else SPARK_LOCAL_IP or this host's name).")
    String driverHost;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, repeatable, as spark-submit takes it; wins over "
                    + "--properties-file. spark.mongodb.write.* settings reach the MongoDB "
                    + "connector (e.g. --conf spark.mongodb.write.writeConcern.w=majority).")
    List<String> conf = new ArrayList<>();

    @Option(names = "--properties-file", paramLabel = "FILE",
            description = "Spark settings file (spark-defaults.conf format: a key and its value "
                    + "per line), as spark-submit takes it.")
    Path propertiesFile;

    @Option(names = "--kafka-package", paramLabel = "GAV",
            defaultValue = "${env:KAFKA_PACKAGE:-" + Defaults.KAFKA_PACKAGE + "}",
            description = "Kafka connector a cluster's executors load: resolved from Maven with "
                    + "its dependencies, as spark-submit --packages does, and shipped with the "
                    + "job (env KAFKA_PACKAGE; default ${DEFAULT-VALUE}). A local master uses "
                    + "the script's own classpath instead.")
    String kafkaPackage;

    @Option(names = "--mongo-package", paramLabel = "GAV",
            defaultValue = "${env:MONGO_PACKAGE:-" + Defaults.MONGO_PACKAGE + "}",
            description = "MongoDB Spark connector a cluster's executors load, resolved and "
                    + "shipped like --kafka-package (env MONGO_PACKAGE; default "
                    + "${DEFAULT-VALUE}).")
    String mongoPackage;

    /** Where the job runs and its Spark settings, validated. */
    public record Settings(String master, Map<String, String> conf, List<String> packages) {
        /** Whether Spark runs in this JVM ({@code local[...]}) rather than on a cluster. */
        public boolean local() {
            return master.startsWith("local");
        }
    }

    /**
     * The settings of these flags: the file, then {@code --conf}, then the flags that name a
     * setting themselves ({@code --executor-memory} ...), checked.
     *
     * @throws IllegalArgumentException naming the flag or the setting
     */
    public Settings settings() {
        Map<String, String> c = SparkSettings.load(propertiesFile, conf);
        SparkSettings.refuseOwned(c);
        String m = SparkSettings.master(master, c);
        if (!m.startsWith("local") && !m.startsWith("spark://")) {
            throw new IllegalArgumentException("--master must be local[*], local[N] or "
                    + "spark://HOST:PORT, not '" + m + "' (other cluster managers: submit the "
                    + "job with spark-submit, README: Running on a cluster)");
        }
        if (executorMemory != null && !executorMemory.isBlank()) {
            c.put("spark.executor.memory", SparkSettings.size("--executor-memory",
                    executorMemory));
        }
        if (totalExecutorCores < 0) {
            throw new IllegalArgumentException("--total-executor-cores must be 0 or more");
        }
        if (totalExecutorCores > 0) {
            c.put("spark.cores.max", Integer.toString(totalExecutorCores));
        }
        if (driverHost != null && !driverHost.isBlank()) {
            c.put("spark.driver.host", driverHost.strip());
        }
        return new Settings(m, Map.copyOf(c), List.of(kafkaPackage, mongoPackage));
    }
}
