///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Spark job: per-user and per-item window counts from Kafka into MongoDB, exactly once
//JAVA 17+
//DEPS org.apache.spark:spark-sql_2.13:4.2.0
//DEPS org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0
//DEPS org.mongodb.spark:mongo-spark-connector_2.13:10.5.0
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/cli/*.java
//SOURCES ../lib-src/src/main/java/analytics/kafka/*.java
//SOURCES ../lib-src/src/main/java/analytics/mongo/*.java
//SOURCES ../lib-src/src/main/java/analytics/checkpoint/CheckpointLock.java
//SOURCES ../lib-src/src/main/java/analytics/checkpoint/QueryShape.java
//SOURCES ../lib-src/src/main/java/analytics/checkpoint/SparkCheckpoint.java
//SOURCES ../lib-src/src/main/java/analytics/stream/*.java
//SOURCES ../lib-src/src/main/java/analytics/spark/*.java
//RUNTIME_OPTIONS -XX:+IgnoreUnrecognizedVMOptions -Xss4m
//RUNTIME_OPTIONS --add-opens=java.base/java.lang=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.io=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.net=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.nio=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.util=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/sun.security.action=ALL-UNNAMED
//RUNTIME_OPTIONS --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
//RUNTIME_OPTIONS -Djdk.reflect.useDirectMethodHandle=false
//RUNTIME_OPTIONS -Dio.netty.tryReflectionSetAccessible=true
// Class data sharing (`jbang run --cds`, README): the archive's dump warnings are noise.
//RUNTIME_OPTIONS -Xlog:cds*=off
package analytics.scripts;

import analytics.checkpoint.CheckpointLock;
import analytics.checkpoint.QueryShape;
import analytics.checkpoint.SparkCheckpoint;
import analytics.cli.Cli;
import analytics.cli.KafkaClientOptions;
import analytics.core.Backoff;
import analytics.core.Brokers;
import analytics.core.ClientProperties;
import analytics.core.Defaults;
import analytics.core.Durations;
import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Names;
import analytics.core.ProjectPaths;
import analytics.core.Secrets;
import analytics.core.Windows;
import analytics.kafka.KafkaProbe;
import analytics.kafka.SourceSettings;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.MongoConnections;
import analytics.mongo.OutageRetry;
import analytics.spark.SparkCluster;
import analytics.spark.SparkSubmitOptions;
import analytics.spark.SparkLogging;
import analytics.stream.ConnectorDeadLetters;
import analytics.stream.DeadLetters;
import analytics.stream.DecodeAndCombine;
import analytics.stream.EventCombiner;
import analytics.stream.MongoSink;
import analytics.stream.ProgressReporter;
import analytics.stream.QueryFailures;
import analytics.stream.QueryStop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.util.LongAccumulator;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_millis;
import static org.apache.spark.sql.functions.window;

/**
 * Counts interactions per user and per item in event-time windows, from a Kafka topic of JSON
 * events into MongoDB, continuously and exactly once.
 *
 * <p>Usage: {@code consumer [--brokers host:port,...] [--topic name] [--checkpoint-base dir]
 * [--starting-offsets earliest|latest] [--mongo-uri uri] [--db name] [--window 10m]
 * [--slide 5m] [--watermark 10m] [--trigger 0s] [--max-offsets-per-trigger n]
 * [--min-partitions n] [--available-now] [--shuffle-partitions 1] [--bulk-size auto]
 * [--master local[*]|spark://host:port] [--executor-memory 1g] [--total-executor-cores n]
 * [--conf key=value]... [--properties-file file] [--kafka-config file] [-X key=value]...}
 *
 * <p>Example: {@code ./jbang consumer --brokers localhost:9092 --topic test-topic}, or on a
 * Spark standalone cluster {@code ./jbang consumer --master spark://127.0.0.1:7077}.
 *
 * <p>One streaming query: the Kafka source ({@link #kafkaSource}); each record decoded once
 * and combined per (user or item, slide bucket) in the task, dead letters written to
 * {@code invalid_events} ({@link #windowCounts}); event-time windows under a watermark; in
 * update mode, every changed window count written through the MongoDB Spark connector as an
 * idempotent upsert keyed by a deterministic {@code _id} ({@link #mongoSink}), so replaying a
 * micro-batch after a crash changes nothing. The query's checkpoint is
 * {@code <checkpoint-base>/interactions}.
 */
@Command(name = "consumer", mixinStandardHelpOptions = true,
        versionProvider = Cli.VersionProvider.class, sortOptions = false,
        description = "Counts interactions per user and per item in event-time windows, from "
                + "Kafka into MongoDB, with Spark Structured Streaming (update mode, "
                + "idempotent upserts through the MongoDB Spark connector), locally or on a "
                + "Spark cluster.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:drained (--available-now), or stopped by Ctrl-C / SIGTERM",
            ExitCode.FAILED_LINE, ExitCode.USAGE_LINE,
            "3:unreachable: Kafka, MongoDB or the Spark master did not answer within "
                + "--connect-timeout, or the cluster cannot give the job an executor",
            "4:conflict: the checkpoint was written by another query shape, or is in use",
            ExitCode.SIGNAL_LINE})
public class consumer implements Callable<Integer> {

    /** Sub-folder of the checkpoint base holding this query's checkpoint. */
    public static final String QUERY_NAME = "interactions";

    @Option(names = "--brokers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:KAFKA_BOOTSTRAP:-" + Defaults.BROKERS + "}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP; "
                    + "default ${DEFAULT-VALUE}).")
    String brokers;

    @Option(names = "--topic", paramLabel = "NAME",
            defaultValue = "${env:KAFKA_TOPIC:-" + Defaults.TOPIC + "}",
            description = "Kafka topic to subscribe to (env KAFKA_TOPIC; "
                    + "default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--checkpoint-base", paramLabel = "DIR",
            defaultValue = "${env:CHECKPOINT_BASE:-}",
            description = "Folder of the Spark checkpoints; the query uses <DIR>/" + QUERY_NAME
                    + " (env CHECKPOINT_BASE; default: the project's storage/checkpoint, as an "
                    + "absolute path). On a cluster, a folder every worker reaches.")
    String checkpointBase;

    @Option(names = "--starting-offsets", paramLabel = "earliest|latest",
            defaultValue = "${env:STARTING_OFFSETS:-" + Defaults.STARTING_OFFSETS + "}",
            description = "Where a new checkpoint starts reading: earliest or latest "
                    + "(env STARTING_OFFSETS; default ${DEFAULT-VALUE}); ignored when the "
                    + "checkpoint exists.")
    String startingOffsets;

    @Option(names = "--mongo-uri", paramLabel = "URI",
            defaultValue = "${env:MONGO_URI:-" + Defaults.MONGO_URI + "}",
            description = "MongoDB connection URI (env MONGO_URI; default ${DEFAULT-VALUE}); "
                    + "the connector's spark.mongodb.write.connection.uri.")
    String mongoUri;

    @Option(names = "--db", paramLabel = "NAME",
            defaultValue = "${env:MONGO_DB:-" + Defaults.DB + "}",
            description = "MongoDB database (env MONGO_DB; default ${DEFAULT-VALUE}).")
    String db;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "10m",
            description = "Window length, e.g. 10m, 30s, 1h (default ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--slide", paramLabel = "DURATION", defaultValue = "5m",
            description = "Window slide; equal to --window means tumbling windows "
                    + "(default ${DEFAULT-VALUE}).")
    String slide;

    @Option(names = "--watermark", paramLabel = "DURATION", defaultValue = "10m",
            description = "How late an event may be, in event time, before it is dropped "
                    + "(default ${DEFAULT-VALUE}).")
    String watermark;

    @Option(names = "--trigger", paramLabel = "DURATION", defaultValue = "0s",
            description = "Micro-batch interval; 0s starts the next batch as soon as the last "
                    + "ends (default ${DEFAULT-VALUE}).")
    String trigger;

    @Option(names = "--max-offsets-per-trigger", paramLabel = "N", defaultValue = "0",
            description = "At most N Kafka records per micro-batch; 0 means no limit "
                    + "(default ${DEFAULT-VALUE}).")
    long maxOffsetsPerTrigger;

    @Option(names = "--min-partitions", paramLabel = "N", defaultValue = "0",
            description = "Spark tasks reading each micro-batch (the Kafka source's "
                    + "minPartitions): a topic partition's offsets are split across them; 0 "
                    + "means one task per topic partition (default ${DEFAULT-VALUE}).")
    int minPartitions;

    @Option(names = "--available-now",
            description = "Process what the topic holds now (in batches of at most "
                    + "--max-offsets-per-trigger), then exit 0.")
    boolean availableNow;

    @Option(names = "--shuffle-partitions", paramLabel = "N", defaultValue = "1",
            description = "spark.sql.shuffle.partitions: tasks keeping the window state and "
                    + "writing to MongoDB; fixed by a checkpoint once it exists. 1 suits one "
                    + "machine; on a cluster, about its cores (default ${DEFAULT-VALUE}).")
    int shufflePartitions;

    @Option(names = "--bulk-size", paramLabel = "N", defaultValue = "auto",
            description = "Documents per MongoDB bulk write, the connector's maxBatchSize "
                    + "(default ${DEFAULT-VALUE}: " + MongoConnections.BULK_SIZE + ", or "
                    + MongoConnections.FERRETDB_BULK_SIZE + " on FerretDB, which stalled on "
                    + "bulks of 100).")
    String bulkSize;

    @Mixin
    SparkSubmitOptions sparkOptions;

    @Mixin
    KafkaClientOptions kafkaOptions;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = Cli.DurationConverter.class,
            description = "How long to wait at start for Kafka, MongoDB and a Spark master "
                    + "to answer (default ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--connect-attempts", paramLabel = "N", hidden = true,
            description = "Deprecated: use --connect-timeout.")
    Integer connectAttempts;

    @Option(names = "--quiet-spark", negatable = true, defaultValue = "true",
            fallbackValue = "true",
            description = "Show only Spark's warnings and errors (default ${DEFAULT-VALUE}).")
    boolean quietSpark;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with the project's conventions ({@link Cli#commandLine}). */
    public static CommandLine commandLine() {
        return Cli.commandLine(new consumer(), "consumer");
    }

    @Override
    public Integer call() {
        Cli.warnBareDurations(spec.commandLine().getParseResult(), "consumer",
                spec.commandLine().getErr());
        if (connectAttempts != null) {
            Cli.deprecated(spec.commandLine().getErr(), "consumer", "--connect-attempts",
                    "use --connect-timeout (this run makes at most " + connectAttempts
                            + " attempts)");
        }
        Settings s;
        try {
            s = settings();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return run(s);
    }

    // ---------------------------------------------------------------------------------------
    // Configuration

    /** Everything the query needs, validated; built from the flags. */
    public record Settings(String brokers, String topic, Path checkpointBase,
                           String startingOffsets, String mongoUri, String db, Duration window,
                           Duration slide, Duration watermark, Duration trigger,
                           long maxOffsetsPerTrigger, int minPartitions, boolean availableNow,
                           int shufflePartitions, int bulkSize, Duration connectTimeout,
                           int connectAttempts, boolean quietSpark, Map<String, String> kafka,
                           SparkSubmitOptions.Settings spark) {

        /** The checkpoint folder of the query. */
        public Path checkpoint() {
            return checkpointBase.resolve(QUERY_NAME);
        }

        /** The Spark master, e.g. local[*] or spark://host:7077. */
        public String master() {
            return spark.master();
        }

        /** The start-up wait for one server: {@code --connect-timeout}, or the old attempts. */
        public Backoff.Attempts connectWait() {
            return connectAttempts > 0 ? Backoff.STANDARD.attempts(connectAttempts)
                    : Backoff.STANDARD.within(connectTimeout);
        }

        /** The shape a checkpoint is bound to: changing any of these needs a new checkpoint. */
        public QueryShape shape() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("window", Durations.format(window));
            m.put("slide", Durations.format(slide));
            m.put("watermark", Durations.format(watermark));
            m.put("topic", topic);
            m.put("db", db);
            m.put("aggregates", Aggregate.keyFields());
            return new QueryShape(m);
        }
    }

    /** Parses the command line into settings; bad values name their flag. */
    public static Settings parse(String... args) {
        CommandLine cl = new CommandLine(new consumer());
        cl.parseArgs(args);
        return ((consumer) cl.getCommand()).settings();
    }

    Settings settings() {
        Duration w = Cli.duration("--window", window, false);
        Duration sl = Cli.duration("--slide", slide, false);
        Cli.check("--slide", Windows.slideProblem(w, sl));
        Cli.check("--brokers", Brokers.problem(brokers));
        Cli.check("--topic", Names.topicProblem(topic));
        Cli.check("--mongo-uri", Names.mongoUriProblem(mongoUri));
        Cli.check("--db", Names.databaseProblem(db));
        Cli.require(maxOffsetsPerTrigger >= 0, "--max-offsets-per-trigger",
                maxOffsetsPerTrigger, "must be 0 or more");
        Cli.require(minPartitions >= 0, "--min-partitions", minPartitions, "must be 0 or more");
        Cli.require(shufflePartitions >= 1, "--shuffle-partitions", shufflePartitions,
                "must be at least 1");
        Cli.require(connectTimeout.compareTo(Duration.ZERO) > 0, "--connect-timeout",
                connectTimeout, "must be positive");
        Cli.require(connectAttempts == null || connectAttempts >= 1, "--connect-attempts",
                connectAttempts, "must be at least 1");
        Path base = checkpointBase == null || checkpointBase.isBlank()
                ? ProjectPaths.defaultCheckpointBase("consumer.java")
                : Path.of(checkpointBase);
        return new Settings(brokers, topic, base.toAbsolutePath().normalize(),
                Cli.oneOf("--starting-offsets", startingOffsets, "earliest", "latest"),
                mongoUri, db, w, sl, Cli.duration("--watermark", watermark, true),
                Cli.duration("--trigger", trigger, true), maxOffsetsPerTrigger, minPartitions,
                availableNow, shufflePartitions, Cli.autoOrCount("--bulk-size", bulkSize),
                connectTimeout, connectAttempts == null ? 0 : connectAttempts, quietSpark,
                SourceSettings.of(kafkaOptions.load(
                        ConsumerConfig.configNames(), "Kafka consumer", SourceSettings.OWNED),
                        kafkaOptions.source()), sparkOptions.settings());
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle

    /** Checks, connects, starts the query and waits for it; returns the exit code. */
    public static int run(Settings s) {
        CheckpointLock lock;
        try {
            // The lock first: the shape file is only read or written by its holder.
            lock = CheckpointLock.acquire(s.checkpoint());
            s.shape().checkOrStore(s.checkpoint(), "consumer.java");
        } catch (CheckpointLock.LockedException | QueryShape.ConflictException
                 | java.io.UncheckedIOException e) {
            System.err.println("consumer: " + e.getMessage());
            return ExitCode.CONFLICT;
        }
        SparkSession spark = null;
        boolean ownSpark = false;
        StreamingQuery query = null;
        QueryStop stop = null;
        try {
            // Kafka and MongoDB are checked while Spark starts (~2 s of class loading): both
            // wait on different things, and start-up is ~0.5 s shorter on 2 cores.
            CompletableFuture<Boolean> servers = CompletableFuture.supplyAsync(
                    () -> awaitServers(s));
            // Stop at the end only a Spark this run started, never an embedding program's.
            ownSpark = SparkSession.getDefaultSession().isEmpty()
                    && SparkSession.getActiveSession().isEmpty();
            spark = sparkSession(s);
            if (!Failures.join(servers)) {
                System.err.println("consumer: topic " + s.topic() + " does not exist on "
                        + s.brokers() + ": nothing to read");
                return 0;
            }
            boolean resuming = SparkCheckpoint.isCheckpoint(s.checkpoint());
            SparkCheckpoint.shufflePartitionsKept(s.checkpoint(), s.shufflePartitions())
                    .ifPresent(line -> System.err.println("consumer: " + line));
            Running running = start(spark, s);
            query = running.query();
            stop = QueryStop.watch(query, lock::close, "consumer");
            System.out.printf("consumer: reading %s from %s (%s), windows %s sliding %s, "
                            + "watermark %s, into %s/%s (bulks of %d) on %s; checkpoint %s%n",
                    s.topic(), s.brokers(),
                    resuming ? "resuming from the checkpoint" : s.startingOffsets(),
                    Durations.format(s.window()), Durations.format(s.slide()),
                    Durations.format(s.watermark()), Secrets.maskUri(s.mongoUri()), s.db(),
                    running.bulkSize(), SparkCluster.describe(spark), s.checkpoint());
            query.awaitTermination();
            System.out.println("consumer: " + (stop.stopping() ? "stopped" : "done") + ": "
                    + running.progress().summary());
            return 0;
        } catch (StreamingQueryException e) {
            if (stop != null && stop.stopping()) {
                return 0;
            }
            System.err.println("consumer: " + QueryFailures.describe(e, s.mongoUri(),
                    s.brokers()));
            return ExitCode.FAILED;
        } catch (Failures.UserFacing e) {
            System.err.println("consumer: " + e.getMessage());
            return e.exitCode();
        } catch (RuntimeException e) {
            if (stop != null && stop.stopping()) {
                return 0;
            }
            System.err.println("consumer: " + Failures.describe(e));
            return ExitCode.FAILED;
        } finally {
            boolean exiting = stop != null && stop.jvmExiting();
            if (stop != null) {
                stop.close(); // Spark is stopped below only once the query is too
            }
            QueryStop.stopQuietly(query, "consumer");
            // When the JVM is exiting, Spark's own hook stops the context.
            if (spark != null && ownSpark && !exiting) {
                SparkCluster.awaitNoRunningTasks(spark, Duration.ofSeconds(10));
                spark.stop();
            }
            lock.close();
        }
    }

    /**
     * Kafka, then MongoDB, each within the connect wait; then, unless draining, the topic
     * (Spark's source fails on a missing topic). Returns whether the topic exists.
     */
    public static boolean awaitServers(Settings s) {
        Properties kafka = new Properties();
        kafka.putAll(s.kafka());
        try (KafkaProbe probe = new KafkaProbe(ClientProperties.connection(kafka), s.brokers(),
                System.err, "consumer: ")) {
            probe.awaitCluster(s.connectWait(), () -> false);
            MongoConnections.awaitPing(s.mongoUri(), s.db(), s.connectWait(), System.err,
                    "consumer: ");
            return s.availableNow() ? probe.topicExists(s.topic())
                    : probe.awaitTopic(s.topic(), () -> false);
        }
    }

    /** The Spark session: local by default, small shuffles, UTC, no UI; a cluster's jars. */
    public static SparkSession sparkSession(Settings s) {
        if (s.quietSpark()) {
            SparkLogging.quiet();
        }
        SparkSession.Builder b = SparkSession.builder()
                .appName("interaction-analytics-consumer")
                .master(s.master())
                // Spark's default of 200 shuffle partitions made each batch 4x slower here.
                .config("spark.sql.shuffle.partitions", s.shufflePartitions())
                // Adaptive execution does not apply to streaming; off, Spark does not warn so.
                .config("spark.sql.adaptive.enabled", "false")
                // Window bounds are instants; render them in UTC anywhere Spark formats them.
                .config("spark.sql.session.timeZone", "UTC")
                // No web UI: nothing to look at in a script, and no port to collide on.
                .config("spark.ui.enabled", "false")
                // A SIGTERM must not wait forever for a stuck batch.
                .config("spark.sql.streaming.stopTimeout", "30s")
                // The sink caches each micro-batch for its two writes and drops it after them:
                // compressing a cache that lives for one batch costs more than it saves.
                .config("spark.sql.inMemoryColumnarStorage.compressed", "false");
        // Where it runs: the driver's address, on a cluster the master checked and every jar
        // the executors need (this script's own with the library), then --conf.
        SparkSession spark = SparkCluster.target(b, s.spark(), consumer.class, s.connectWait(),
                System.err, "consumer: ").getOrCreate();
        if (s.quietSpark()) {
            spark.sparkContext().setLogLevel("WARN");
        }
        SparkCluster.awaitExecutor(spark, s.spark());
        return spark;
    }

    // ---------------------------------------------------------------------------------------
    // The query

    /** A started query with its progress reporter and the bulk size its writes use. */
    public record Running(StreamingQuery query, ProgressReporter progress, SparkSession spark,
                          int bulkSize) implements AutoCloseable {
        @Override
        public void close() {
            QueryStop.stopQuietly(query, "consumer");
            spark.streams().removeListener(progress);
        }
    }

    /**
     * Creates the indexes, then starts the query with the Kafka source and the MongoDB sink of
     * the settings.
     */
    public static Running start(SparkSession spark, Settings s) {
        var database = MongoConnections.shared(s.mongoUri()).getDatabase(s.db());
        KpiSchema.ensureIndexes(database);
        int bulk = s.bulkSize() > 0 ? s.bulkSize() : MongoConnections.bulkSize(database);
        Map<String, String> writeOptions = MongoSink.options(s.mongoUri(), s.db(),
                Map.of("maxBatchSize", Integer.toString(bulk),
                        // The documents of a bulk are independent: an unordered bulk lets the
                        // server apply them as it likes; every write is idempotent anyway.
                        "ordered", "false"), s.spark().conf());
        LongAccumulator invalid = spark.sparkContext().longAccumulator("invalid-records");
        LongAccumulator written = spark.sparkContext().longAccumulator("documents-written");
        DeadLetters deadLetters = ConnectorDeadLetters.create(writeOptions);
        Dataset<Row> counts = windowCounts(kafkaSource(spark, s), s, deadLetters, invalid);
        String name = QUERY_NAME + "_" + s.db();
        ProgressReporter reporter = new ProgressReporter(name, s.mongoUri(), s.db(), invalid,
                written);
        StreamingQuery q = start(counts, reporter.wrap(mongoSink(writeOptions, written)), s,
                spark, reporter);
        int shown = Integer.parseInt(writeOptions.getOrDefault("maxBatchSize", s.spark().conf()
                .getOrDefault("spark.mongodb.write.maxBatchSize", Integer.toString(bulk))));
        return new Running(q, reporter, spark, shown);
    }

    /** Stage 1, source: the topic's records (value, topic, partition, offset, timestamp). */
    public static Dataset<Row> kafkaSource(SparkSession spark, Settings s) {
        var reader = spark.readStream().format("kafka")
                .option("kafka.bootstrap.servers", s.brokers())
                .option("subscribe", s.topic())
                .option("startingOffsets", s.startingOffsets())
                // Records deleted by retention before we read them are reported, not fatal.
                .option("failOnDataLoss", "false");
        s.kafka().forEach((key, value) -> reader.option("kafka." + key, value));
        if (s.maxOffsetsPerTrigger() > 0) {
            reader.option("maxOffsetsPerTrigger", s.maxOffsetsPerTrigger());
        }
        if (s.minPartitions() > 0) {
            reader.option("minPartitions", s.minPartitions());
        }
        return reader.load();
    }

    /**
     * Stages 2-4, from Kafka records to window counts
     * {@code (aggregate, key, window_start, window_end, total_interactions)}.
     */
    public static Dataset<Row> windowCounts(Dataset<Row> kafka, Settings s,
                                            DeadLetters deadLetters, LongAccumulator invalid) {
        // Stage 2, decode once and combine in the task: each valid event counts once per
        // aggregate, per slide bucket; each invalid record becomes a dead letter, written by
        // the task, and is counted. The Kafka timestamp, kept only by dead letters, is read as
        // epoch milliseconds.
        Dataset<Row> rows = kafka
                .select(col("value"), col("topic"), col("partition"), col("offset"),
                        unix_millis(col("timestamp")))
                .mapPartitions(new DecodeAndCombine(s.slide(), EventCombiner.MAX_GROUPS,
                        deadLetters, invalid), DecodeAndCombine.ENCODER)
                .toDF(DecodeAndCombine.COLUMNS);
        // Stage 3, event-time windows under a watermark: windows that ended behind it are
        // dropped (late rows, counted by Spark).
        // Stage 4, sum the events per (aggregate, key, window) in Spark's state; update mode
        // emits each changed total.
        return rows
                .withWatermark("event_time", millis(s.watermark()))
                .groupBy(col("aggregate"), col("key"),
                        window(col("event_time"), millis(s.window()), millis(s.slide())))
                .agg(sum(col("events")).cast("int").as(KpiSchema.TOTAL))
                .select(col("aggregate"), col("key"),
                        col("window.start").as(KpiSchema.WINDOW_START),
                        col("window.end").as(KpiSchema.WINDOW_END), col(KpiSchema.TOTAL));
    }

    /** Stage 5, sink: starts the query writing each micro-batch's counts with {@code sink}. */
    public static StreamingQuery start(Dataset<Row> counts,
                                       VoidFunction2<Dataset<Row>, Long> sink, Settings s,
                                       SparkSession spark, StreamingQueryListener listener) {
        if (listener != null) {
            spark.streams().addListener(listener);
        }
        Trigger trigger = s.availableNow() ? Trigger.AvailableNow()
                : Trigger.ProcessingTime(s.trigger().toMillis());
        try {
            return counts.writeStream()
                    .queryName(QUERY_NAME + "_" + s.db())
                    .outputMode("update")
                    .option("checkpointLocation", s.checkpoint().toString())
                    .trigger(trigger)
                    .foreachBatch(sink)
                    .start();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the query did not start: " + e.getMessage(), e);
        }
    }

    /**
     * The MongoDB sink: each batch's counts through the connector, both collections side by
     * side, riding out a MongoDB that stops answering ({@link MongoSink}).
     */
    public static VoidFunction2<Dataset<Row>, Long> mongoSink(Map<String, String> writeOptions,
                                                              LongAccumulator written) {
        return new MongoSink(writeOptions, new OutageRetry(OutageRetry.PATIENCE,
                System.err::println), written);
    }

    private static String millis(Duration d) {
        return d.toMillis() + " milliseconds";
    }
}
