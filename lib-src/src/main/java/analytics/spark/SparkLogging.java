package analytics.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.BurstFilter;

import java.util.List;

/**
 * Spark's logging as a script shows it: its warnings and errors only, without the pages a
 * failure logs (the script says it in one line) or warnings nobody can act on.
 */
public final class SparkLogging {
    private SparkLogging() {
    }

    /**
     * Spark's loggers that report a failed task or query, or a failed offsets request, each with
     * pages of stack trace; the consumer reports the failure itself, in one line.
     */
    static final List<String> FAILURE_LOGGERS = List.of(
            "org.apache.spark.executor.Executor",
            "org.apache.spark.scheduler.TaskSetManager",
            "org.apache.spark.sql.execution.streaming.runtime.MicroBatchExecution",
            "org.apache.spark.sql.execution.streaming.runtime.StreamExecution",
            "org.apache.spark.sql.kafka010.KafkaOffsetReaderAdmin",
            // A connector write that failed ("Aborting task", "failed to abort"): the sink
            // runs it again or reports it.
            "org.apache.spark.sql.execution.datasources.v2");

    /**
     * Loggers whose warnings say nothing a user can act on, shown only from errors up: the
     * host name resolving to loopback (the consumer binds a local driver to 127.0.0.1 itself),
     * Hadoop's missing native library, a stop finding no job to cancel or interrupting
     * Hadoop's chmod of a checkpoint file ("Interrupted while joining on"), a restart finding
     * the state store's cache empty (Spark's own message says "normal"), a batch longer than
     * the trigger ("Current batch is falling behind": its progress line gives the batch's
     * duration), and the MongoDB connector's options seen twice in two cases.
     */
    static final List<String> NOISE_LOGGERS = List.of(
            "org.apache.spark.util.Utils",
            "org.apache.hadoop.util.NativeCodeLoader",
            "org.apache.hadoop.util.Shell",
            "org.apache.spark.scheduler.DAGScheduler",
            "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
            "org.apache.spark.sql.execution.streaming.runtime.ProcessingTimeExecutor",
            // The MongoDB connector's options, once per write: "Converting duplicated key
            // idfieldlist into CaseInsensitiveStringMap".
            "org.apache.spark.sql.util.CaseInsensitiveStringMap");

    /**
     * Kafka's clients warn of every failed connection, about once a second while a broker is
     * down (Spark retries for about 3 minutes before the query fails): one line per
     * {@link #RECONNECT_WARNING_EVERY_S} seconds says the same.
     */
    public static final String KAFKA_NETWORK_LOGGER = "org.apache.kafka.clients.NetworkClient";
    public static final int RECONNECT_WARNING_EVERY_S = 30;

    /** Spark at WARN, its failure pages off, its noise at ERROR, Kafka's reconnects limited. */
    public static void quiet() {
        try {
            // Spark's own logger context: under spark-submit this class is loaded by the job's
            // class loader, which would otherwise get a context of its own that Spark never uses.
            var context = (LoggerContext) LogManager.getContext(
                    org.apache.spark.SparkContext.class.getClassLoader(), false);
            var config = context.getConfiguration();
            config.getRootLogger().setLevel(Level.WARN);
            for (String name : FAILURE_LOGGERS) {
                set(config, name, Level.OFF);
            }
            for (String name : NOISE_LOGGERS) {
                set(config, name, Level.ERROR);
            }
            var network = new LoggerConfig(KAFKA_NETWORK_LOGGER, Level.WARN, true);
            // Log4j's token bucket: one warning, then one more per interval; errors pass.
            network.addFilter(BurstFilter.newBuilder().setLevel(Level.WARN)
                    .setRate(1f / RECONNECT_WARNING_EVERY_S).setMaxBurst(1).build());
            config.addLogger(KAFKA_NETWORK_LOGGER, network);
            context.updateLoggers();
        } catch (LinkageError | ClassCastException e) {
            // log4j-core absent: Spark's own defaults apply.
        }
    }

    private static void set(org.apache.logging.log4j.core.config.Configuration config,
                            String name, Level level) {
        LoggerConfig existing = config.getLoggerConfig(name);
        if (existing.getName().equals(name)) {
            existing.setLevel(level);
        } else {
            config.addLogger(name, new LoggerConfig(name, level, true));
        }
    }
}
