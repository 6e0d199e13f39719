///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Spark job: per-user and per-item window counts from Kafka into MongoDB, exactly once
//JAVA 17+
//DEPS org.apache.spark:spark-sql_2.13:4.2.0
//DEPS org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/mongo/*.java
//SOURCES ../lib-src/src/main/java/analytics/checkpoint/CheckpointLock.java
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

import analytics.core.Brokers;
import analytics.core.ClientProperties;
import analytics.core.DecodeResult;
import analytics.core.Defaults;
import analytics.core.Durations;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.checkpoint.CheckpointLock;
import analytics.core.ProjectPaths;
import analytics.core.Secrets;
import analytics.core.ServerUnreachableException;
import analytics.core.StopSignals;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.InvalidEvent;
import analytics.mongo.KpiSchema;
import analytics.mongo.KpiWriter;
import analytics.mongo.MongoConnections;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoDatabase;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.ShutdownHookManager;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.util.LongAccumulator;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scala.Tuple4;
import scala.runtime.BoxedUnit;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
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
 * [--master local[*]] [--kafka-package gav] [--mongo-package gav] [--kafka-config file]
 * [-X key=value]...}
 *
 * <p>Example: {@code ./jbang consumer --brokers localhost:9092 --topic test-topic}
 *
 * <p>One streaming query reads the topic, decodes each record once with the project's
 * {@link EventCodec} (dead letters go to {@code invalid_events}), combines each task's events
 * into one row per (user or item, slide bucket), sums them per window under a watermark and, in
 * update mode, upserts every changed window count, in {@code _id} order, into
 * {@code user_interactions} / {@code item_interactions}. Upserts replace whole documents keyed
 * by a unique index, so replaying a micro-batch after a crash changes nothing. The query's
 * checkpoint is {@code <checkpoint-base>/interactions}.
 *
 * <p>Exit codes: 0 stopped cleanly (or drained with {@code --available-now}); 1 the query or a
 * server failed; 2 bad flags; 3 the checkpoint belongs to another query shape or a live consumer.
 */
@Command(name = "consumer", mixinStandardHelpOptions = true, version = "consumer 0.1.0",
        sortOptions = false,
        description = "Counts interactions per user and per item in event-time windows, from "
                + "Kafka into MongoDB, with Spark Structured Streaming (update mode, "
                + "idempotent upserts).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:drained (--available-now), or stopped by Ctrl-C / SIGTERM",
            "1:the query or a server failed (one line says which; nothing is lost)",
            "2:invalid command line or Kafka setting",
            "3:the checkpoint was written by another query shape, or is in use",
            "130/143:a second Ctrl-C / SIGTERM (exits at once; the checkpoint replays)"})
public class consumer implements Callable<Integer> {

    /**
     * Kafka consumer settings of the source, before {@code --kafka-config} and {@code -X}.
     * Spark's source asks the broker for the partition's first and last offsets after every
     * poll, which also drops what the client had prefetched: at Kafka's default of 500 records
     * a poll, a 1M-record batch made 2,000 polls, each refetching up to 1 MiB. At 10,000 a poll
     * the reading stage of 1M records took 5.6-6.1 s instead of 7.8-8.2 s (bench/RESULTS.md).
     */
    static final Map<String, String> KAFKA_DEFAULTS = Map.of("max.poll.records", "10000");

    /** Kafka settings Spark's source or this script decide; the reason names the flag to use. */
    static final Map<String, String> SPARK_OWNED = Map.of(
            "bootstrap.servers", "use --brokers",
            "auto.offset.reset", "use --starting-offsets (the checkpoint keeps the position)",
            "enable.auto.commit", "offsets live in the checkpoint, not in Kafka",
            "key.deserializer", "Spark's source reads raw bytes",
            "value.deserializer", "Spark's source reads raw bytes",
            "interceptor.classes", "Spark's source does not support it");

    /** Sub-folder of the checkpoint base holding this query's checkpoint. */
    public static final String QUERY_NAME = "interactions";
    /** File beside the checkpoint's data recording the query shape it was written with. */
    public static final String SHAPE_FILE = "query-shape.properties";
    /** Marker of a running consumer (its pid) inside the checkpoint; cleanup refuses then. */
    public static final String LOCK_FILE = CheckpointLock.FILE_NAME;

    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_CONFLICT = 3;

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
                    + "absolute path).")
    String checkpointBase;

    @Option(names = "--starting-offsets", paramLabel = "earliest|latest",
            defaultValue = "${env:STARTING_OFFSETS:-" + Defaults.STARTING_OFFSETS + "}",
            description = "Where a new checkpoint starts reading: earliest or latest "
                    + "(default ${DEFAULT-VALUE}); ignored when the checkpoint exists.")
    String startingOffsets;

    @Option(names = "--mongo-uri", paramLabel = "URI",
            defaultValue = "${env:MONGO_URI:-" + Defaults.MONGO_URI + "}",
            description = "MongoDB connection URI (env MONGO_URI; default ${DEFAULT-VALUE}).")
    String mongoUri;

    @Option(names = "--db", paramLabel = "NAME",
            defaultValue = "${env:MONGO_DB:-" + Defaults.DB + "}",
            description = "MongoDB database (env MONGO_DB; default ${DEFAULT-VALUE}).")
    String db;

    @Option(names = "--kafka-package", paramLabel = "GAV",
            defaultValue = "${env:KAFKA_PACKAGE:-" + Defaults.KAFKA_PACKAGE + "}",
            description = "Kafka connector a Spark cluster must load (spark.jars.packages, only "
                    + "when --master is not local; default ${DEFAULT-VALUE}).")
    String kafkaPackage;

    @Option(names = "--mongo-package", paramLabel = "GAV",
            defaultValue = "${env:MONGO_PACKAGE:-" + Defaults.MONGO_PACKAGE + "}",
            description = "MongoDB package a Spark cluster must load (spark.jars.packages, only "
                    + "when --master is not local; default ${DEFAULT-VALUE}).")
    String mongoPackage;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "${env:SPARK_MASTER:-local[*]}",
            description = "Spark master (env SPARK_MASTER; default ${DEFAULT-VALUE}).")
    String master;

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
                    + "minPartitions): a topic partition's offsets are split across them, so "
                    + "decoding uses every core even on a one-partition topic; 0 means one "
                    + "task per topic partition (default ${DEFAULT-VALUE}).")
    int minPartitions;

    @Option(names = "--available-now",
            description = "Process what the topic holds now (in batches of at most "
                    + "--max-offsets-per-trigger), then exit 0.")
    boolean availableNow;

    @Option(names = "--shuffle-partitions", paramLabel = "N", defaultValue = "1",
            description = "spark.sql.shuffle.partitions: tasks keeping the window state and "
                    + "writing to MongoDB; fixed by a checkpoint once it exists. On 2 cores 1 "
                    + "beat 2 (concurrent writers to one collection slow mongo-java-server) and "
                    + "Spark's 200 was 4x slower; raise it on a cluster "
                    + "(default ${DEFAULT-VALUE}).")
    int shufflePartitions;

    @Option(names = "--bulk-size", paramLabel = "N", defaultValue = "auto",
            description = "Documents per MongoDB bulk upsert (default ${DEFAULT-VALUE}: "
                    + KpiWriter.BULK_SIZE + ", or " + KpiWriter.FERRETDB_BULK_SIZE + " on "
                    + "FerretDB, which stalled on bulks of 100).")
    String bulkSize;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka consumer properties file (e.g. security.protocol, sasl.*, "
                    + "ssl.*) for Spark's Kafka source and the start-up check; overrides the "
                    + "built-in settings.")
    Path kafkaConfig;

    @Option(names = "-X", paramLabel = "KEY=VALUE",
            description = "Kafka consumer setting, repeatable; overrides --kafka-config, "
                    + "e.g. -X max.poll.records=2000.")
    List<String> kafkaOverrides = new ArrayList<>();

    @Option(names = "--connect-attempts", paramLabel = "N", defaultValue = "5",
            description = "Attempts to reach Kafka and MongoDB at start, with backoff 1, 2, 4 "
                    + "... s (default ${DEFAULT-VALUE}).")
    int connectAttempts;

    @Option(names = "--quiet-spark", negatable = true, defaultValue = "true",
            fallbackValue = "true",
            description = "Show only Spark's warnings and errors (default ${DEFAULT-VALUE}).")
    boolean quietSpark;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with usage errors reported as one line and exit code 2. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new consumer());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("consumer: " + ex.getMessage()
                    + " (see --help)");
            return EXIT_USAGE;
        });
        return cl;
    }

    @Override
    public Integer call() {
        Settings s;
        try {
            s = settings();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("consumer: " + e.getMessage());
            return EXIT_USAGE;
        }
        return run(s);
    }

    // ---------------------------------------------------------------------------------------
    // Configuration

    /** Everything the query needs, validated; built from the flags. Serializable for tasks. */
    public record Settings(String brokers, String topic, Path checkpointBase,
                           String startingOffsets, String mongoUri, String db, String master,
                           String kafkaPackage, String mongoPackage, Duration window,
                           Duration slide, Duration watermark, Duration trigger,
                           long maxOffsetsPerTrigger, int minPartitions, boolean availableNow,
                           int shufflePartitions, int bulkSize, int connectAttempts,
                           boolean quietSpark, Map<String, String> kafka)
            implements Serializable {

        /** The checkpoint folder of the query. */
        public Path checkpoint() {
            return checkpointBase.resolve(QUERY_NAME);
        }

        /** The same settings reading from another topic into another database and folder. */
        public Settings with(String brokers, String topic, String mongoUri, String db,
                             Path checkpointBase) {
            return new Settings(brokers, topic, checkpointBase, startingOffsets, mongoUri, db,
                    master, kafkaPackage, mongoPackage, window, slide, watermark, trigger,
                    maxOffsetsPerTrigger, minPartitions, availableNow, shufflePartitions,
                    bulkSize, connectAttempts, quietSpark, kafka);
        }

        /** The shape a checkpoint is bound to: changing any of these needs a new checkpoint. */
        Properties shape() {
            Properties p = new Properties();
            p.setProperty("window", format(window));
            p.setProperty("slide", format(slide));
            p.setProperty("watermark", format(watermark));
            p.setProperty("topic", topic);
            p.setProperty("db", db);
            p.setProperty("aggregates", "user_id,item_id");
            return p;
        }
    }

    /** Parses the command line into settings; bad values name their flag. */
    public static Settings parse(String... args) {
        CommandLine cl = new CommandLine(new consumer());
        cl.parseArgs(args);
        return ((consumer) cl.getCommand()).settings();
    }

    Settings settings() {
        Duration w = duration("--window", window, false);
        Duration sl = duration("--slide", slide, false);
        Duration wm = duration("--watermark", watermark, true);
        Duration tr = duration("--trigger", trigger, true);
        if (sl.compareTo(w) > 0) {
            throw new IllegalArgumentException("--slide (" + slide + ") must not exceed --window ("
                    + window + ")");
        }
        if (w.toMillis() % sl.toMillis() != 0) {
            throw new IllegalArgumentException("--window (" + window + ") must be a multiple of "
                    + "--slide (" + slide + ")");
        }
        String so = startingOffsets.toLowerCase(Locale.ROOT);
        if (!so.equals("earliest") && !so.equals("latest")) {
            throw new IllegalArgumentException("--starting-offsets must be earliest or latest, "
                    + "not '" + startingOffsets + "'");
        }
        if (brokers.isBlank()) {
            throw new IllegalArgumentException("--brokers must not be empty");
        }
        Brokers.problem(brokers).ifPresent(problem -> {
            throw new IllegalArgumentException("Invalid value for option '--brokers': "
                    + problem);
        });
        if (topic.isBlank() || !topic.matches("[a-zA-Z0-9._-]+")) {
            throw new IllegalArgumentException("--topic '" + topic + "' is not a valid topic name");
        }
        if (!mongoUri.startsWith("mongodb://") && !mongoUri.startsWith("mongodb+srv://")) {
            throw new IllegalArgumentException("--mongo-uri must start with mongodb:// or "
                    + "mongodb+srv://, not '" + Secrets.maskUri(mongoUri) + "'");
        }
        if (db.isBlank() || db.matches(".*[/\\\\. \"$].*")) {
            throw new IllegalArgumentException("--db '" + db + "' is not a valid database name");
        }
        if (maxOffsetsPerTrigger < 0) {
            throw new IllegalArgumentException("--max-offsets-per-trigger must be 0 or more");
        }
        if (minPartitions < 0) {
            throw new IllegalArgumentException("--min-partitions must be 0 or more");
        }
        if (shufflePartitions < 1) {
            throw new IllegalArgumentException("--shuffle-partitions must be at least 1");
        }
        int bulk = bulkSize(bulkSize);
        if (connectAttempts < 1) {
            throw new IllegalArgumentException("--connect-attempts must be at least 1");
        }
        Path base = checkpointBase == null || checkpointBase.isBlank()
                ? projectRoot().resolve("storage").resolve("checkpoint")
                : Paths.get(checkpointBase);
        return new Settings(brokers, topic, base.toAbsolutePath().normalize(), so, mongoUri, db,
                master, kafkaPackage, mongoPackage, w, sl, wm, tr, maxOffsetsPerTrigger,
                minPartitions, availableNow, shufflePartitions, bulk, connectAttempts,
                quietSpark, kafkaSettings(kafkaConfig, kafkaOverrides));
    }

    /** {@code auto} is 0 (the server decides, {@link KpiWriter#defaultBulkSize}), else N >= 1. */
    static int bulkSize(String text) {
        if (text.equals("auto")) {
            return 0;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--bulk-size: expected auto or a number of at "
                + "least 1, got '" + text + "'");
    }

    /**
     * The Kafka consumer settings of the source: {@link #KAFKA_DEFAULTS}, then the file of
     * {@code --kafka-config}, then each {@code -X}; sorted, checked by Kafka's own config parser.
     */
    static Map<String, String> kafkaSettings(Path file, List<String> overrides) {
        Properties user = ClientProperties.load("--kafka-config", file);
        ClientProperties.refuseOwned("--kafka-config", user, SPARK_OWNED);
        Properties pairs = ClientProperties.parsePairs("-X", overrides,
                ConsumerConfig.configNames(), "Kafka consumer");
        ClientProperties.refuseOwned("-X", pairs, SPARK_OWNED);
        user.putAll(pairs);
        String from = overrides.isEmpty() ? "--kafka-config" : "-X/--kafka-config";
        Map<String, String> m = new TreeMap<>(KAFKA_DEFAULTS);
        for (String key : user.stringPropertyNames()) {
            m.put(key, user.getProperty(key));
        }
        Properties check = new Properties();
        check.putAll(m);
        check.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        check.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        check.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try {
            // Types, ranges and combinations, before anything starts (Spark would fail later).
            new ConsumerConfig(check);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid Kafka setting (" + from + "): "
                    + Secrets.mask(e.getMessage()));
        }
        return Collections.unmodifiableMap(m);
    }

    /** A duration flag ({@link Durations#parse}); zero only where {@code zeroAllowed}. */
    static Duration duration(String flag, String text, boolean zeroAllowed) {
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " " + e.getMessage());
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(flag + " must be " + (zeroAllowed ? "0 or more"
                    : "positive") + ", not '" + text + "'");
        }
        return d;
    }

    static String format(Duration d) {
        return Durations.format(d);
    }

    /** The project root (see {@link ProjectPaths}), else the working folder. */
    static Path projectRoot() {
        return ProjectPaths.root("consumer.java").orElse(Paths.get("").toAbsolutePath());
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle

    /** Checks, connects, starts the query and waits for it; returns the exit code. */
    static int run(Settings s) {
        CheckpointLock lock;
        try {
            // The lock first: the shape file is only read or written by its holder.
            lock = CheckpointLock.acquire(s.checkpoint());
        } catch (CheckpointLock.LockedException | java.io.UncheckedIOException e) {
            System.err.println("consumer: " + e.getMessage());
            return EXIT_CONFLICT;
        }
        try {
            checkShape(s);
        } catch (CheckpointConflict e) {
            lock.close();
            System.err.println("consumer: " + e.getMessage());
            return EXIT_CONFLICT;
        }
        SparkSession spark = null;
        boolean ownSpark = false;
        StreamingQuery query = null;
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicBoolean jvmExiting = new AtomicBoolean();
        StopSignals signals = null;
        Object hook = null;
        try {
            // The servers are checked while Spark starts (~2 s of class loading): both wait on
            // different things, and start-up is ~0.5 s shorter on 2 cores (bench/RESULTS.md).
            CompletableFuture<Boolean> servers = CompletableFuture.supplyAsync(() -> {
                boolean topic = awaitKafka(s.brokers(), s.topic(), s.connectAttempts(),
                        s.kafka(), !s.availableNow());
                MongoConnections.awaitPing(s.mongoUri(), s.db(), s.connectAttempts(),
                        "consumer: ");
                return topic;
            });
            // Stop at the end only a Spark this run started, never an embedding program's.
            ownSpark = SparkSession.getDefaultSession().isEmpty()
                    && SparkSession.getActiveSession().isEmpty();
            spark = sparkSession(s);
            if (!joinUnwrapped(servers)) {
                System.err.println("consumer: topic " + s.topic() + " does not exist on "
                        + s.brokers() + ": nothing to read");
                return 0;
            }
            boolean resuming = resumes(s.checkpoint());
            checkpointShufflePartitions(s.checkpoint())
                    .filter(kept -> kept != s.shufflePartitions())
                    .ifPresent(kept -> System.err.println("consumer: this checkpoint keeps "
                            + kept + " shuffle partition" + (kept == 1 ? "" : "s") + " (Spark "
                            + "fixes the number at the first batch), not the "
                            + s.shufflePartitions() + " of --shuffle-partitions"));
            Running running = start(spark, s);
            query = running.query();
            StreamingQuery q = query;
            // Ctrl-C or SIGTERM: stop the query (bounded by spark.sql.streaming.stopTimeout),
            // then return 0 below like a drained run; a second signal exits at once.
            signals = StopSignals.install(code -> {
                System.err.println("consumer: " + (code == 130 ? "Ctrl-C" : "SIGTERM")
                        + ": stopping the query (a batch left unfinished is replayed at the "
                        + "next start; again to stop at once)");
                stopping.set(true);
                stopQuietly(q);
            }, System.err, "consumer: stopped again; exiting at once (the checkpoint replays the "
                    + "unfinished batch at the next start)");
            // Any other end of the JVM (SIGHUP, an embedding program's exit): stop the query
            // before Spark's own hook stops the context under it.
            hook = ShutdownHookManager.addShutdownHook(QUERY_SHUTDOWN_PRIORITY, () -> {
                jvmExiting.set(true);
                if (stopping.compareAndSet(false, true)) {
                    stopQuietly(q);
                }
                lock.close();
                return BoxedUnit.UNIT;
            });
            System.out.printf("consumer: reading %s from %s (%s), windows %s sliding %s, "
                            + "watermark %s, into %s/%s (bulks of %d); checkpoint %s%n",
                    s.topic(), s.brokers(),
                    resuming ? "resuming from the checkpoint" : s.startingOffsets(),
                    format(s.window()), format(s.slide()), format(s.watermark()),
                    Secrets.maskUri(s.mongoUri()), s.db(), running.bulkSize(), s.checkpoint());
            query.awaitTermination();
            System.out.println("consumer: " + (stopping.get() ? "stopped" : "done") + ": "
                    + running.progress().summary());
            return 0;
        } catch (StreamingQueryException e) {
            if (stopping.get()) {
                return 0;
            }
            System.err.println("consumer: " + describeFailure(e, s));
            return EXIT_FAILED;
        } catch (ServerUnreachableException e) {
            System.err.println("consumer: " + e.getMessage());
            return EXIT_FAILED;
        } catch (RuntimeException e) {
            if (stopping.get()) {
                return 0;
            }
            System.err.println("consumer: " + describe(e));
            return EXIT_FAILED;
        } finally {
            if (signals != null) {
                signals.awaitStop(); // Spark is stopped below only once the query is too
                signals.close();
            }
            stopQuietly(query);
            if (hook != null && !jvmExiting.get()) {
                ShutdownHookManager.removeShutdownHook(hook);
            }
            // When the JVM is exiting, Spark's own hook stops the context.
            if (spark != null && ownSpark && !jvmExiting.get()) {
                awaitNoRunningTasks(spark, Duration.ofSeconds(10));
                spark.stop();
            }
            lock.close();
        }
    }

    /**
     * After a stop, the tasks of the batch it interrupted are still being killed; stopping the
     * context under them makes Spark log "ERROR Exception in statusUpdate" with a stack trace.
     * Waits (bounded) until no job and no task runs.
     */
    private static void awaitNoRunningTasks(SparkSession spark, Duration atMost) {
        var tracker = spark.sparkContext().statusTracker();
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            int running = 0;
            for (var executor : tracker.getExecutorInfos()) {
                running += executor.numRunningTasks();
            }
            if (running == 0 && tracker.getActiveJobIds().length == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The priority of the hook that stops the query: Hadoop's hook manager, which Spark uses,
     * runs higher priorities first, and Spark stops its context at 50.
     */
    static final int QUERY_SHUTDOWN_PRIORITY = 60;

    /** The future's value; its failure rethrown as it was thrown, not wrapped. */
    private static <T> T joinUnwrapped(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static void stopQuietly(StreamingQuery q) {
        if (q != null && q.isActive()) {
            try {
                q.stop();
            } catch (Exception e) {
                System.err.println("consumer: stopping the query: " + describe(e));
            }
        }
    }

    /**
     * One line for a failed query: the server to blame when a server stopped answering (the
     * retries are over by then: 3 minutes of them for each bulk to MongoDB, Spark's for Kafka),
     * else the root cause. Nothing is lost either way: the failed batch was not committed, so a
     * restart replays it.
     */
    static String describeFailure(Throwable failure, Settings s) {
        String resume = "; nothing is lost: run the consumer again once it is back, it resumes "
                + "from the checkpoint";
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MongoTimeoutException || t instanceof MongoSocketException) {
                return "MongoDB at " + Secrets.maskUri(s.mongoUri()) + " stopped answering ("
                        + firstSentence(t) + ")" + resume;
            }
            if (t instanceof RetriableException) {
                return "Kafka at " + Secrets.mask(s.brokers()) + " stopped answering ("
                        + firstSentence(t) + ")" + resume;
            }
        }
        return "query failed: " + describe(failure) + " (--no-quiet-spark shows Spark's log)";
    }

    /** The exception's class and the first sentence of its message (drivers add pages). */
    private static String firstSentence(Throwable t) {
        String line = firstLine(t);
        int end = line.indexOf(". ");
        return Secrets.mask(end < 0 ? line : line.substring(0, end));
    }

    /** One masked line: the exception's class and first message line, and its root cause's. */
    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = t == root ? firstLine(t) : firstLine(t) + " (cause: " + firstLine(root) + ")";
        return Secrets.mask(msg);
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    /**
     * Waits (with backoff) until the brokers answer a metadata request, then, when
     * {@code waitForTopic}, until the topic exists (Spark's source fails on a missing topic).
     * Returns whether the topic exists.
     */
    static boolean awaitKafka(String brokers, String topic, int attempts, Map<String, String> kafka,
                              boolean waitForTopic) {
        Properties all = new Properties();
        all.putAll(kafka);
        // The source's security settings (SASL, TLS) apply to the check too.
        Properties p = ClientProperties.connection(all);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        // Fail each attempt fast; the loop below does the waiting, with a message per attempt.
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        long backoffMs = 1000;
        Exception last = null;
        for (int i = 1; i <= attempts; i++) {
            try (Admin admin = Admin.create(p)) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                if (topicExists(admin, topic)) {
                    return true;
                }
                if (!waitForTopic) {
                    return false;
                }
                System.err.println("consumer: topic " + topic + " does not exist yet on "
                        + brokers + "; waiting for it to be created (the producer creates it)");
                do {
                    Thread.sleep(1000);
                } while (!topicExists(admin, topic));
                System.err.println("consumer: topic " + topic + " created");
                return true;
            } catch (Exception e) {
                last = e;
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (i < attempts) {
                    System.err.printf("consumer: Kafka at %s not reachable (attempt %d of %d: "
                            + "%s), retrying in %d s%n", Secrets.mask(brokers), i, attempts,
                            kafkaReason(e), backoffMs / 1000);
                    try {
                        Thread.sleep(backoffMs);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    backoffMs = Math.min(backoffMs * 2, 10_000);
                }
            }
        }
        throw new ServerUnreachableException("Kafka at " + Secrets.mask(brokers)
                + " not reachable after " + attempts + (attempts == 1 ? " attempt" : " attempts")
                + (last == null ? "" : " (" + kafkaReason(last) + ")"));
    }

    /** Why a start-up check of Kafka failed, in a few words. */
    static String kafkaReason(Exception e) {
        Throwable t = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                ? e.getCause() : e;
        if (t instanceof java.util.concurrent.TimeoutException
                || t instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "no answer within 5 s";
        }
        return describe(t);
    }

    private static boolean topicExists(Admin admin, String topic) throws Exception {
        return admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(topic);
    }

    /** The Spark session: local by default, small shuffles, UTC, no UI. */
    public static SparkSession sparkSession(Settings s) {
        if (s.quietSpark()) {
            quietLogging();
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
                .config("spark.sql.streaming.stopTimeout", "30s");
        if (s.master().startsWith("local")) {
            // Loopback for the driver when the host name resolves to it (SPARK_LOCAL_IP wins).
            String ip = System.getenv().getOrDefault("SPARK_LOCAL_IP", "127.0.0.1");
            b.config("spark.driver.host", ip).config("spark.driver.bindAddress", ip);
        } else {
            // A cluster loads the connectors' jars itself.
            b.config("spark.jars.packages", s.kafkaPackage() + "," + s.mongoPackage());
        }
        SparkSession spark = b.getOrCreate();
        if (s.quietSpark()) {
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /**
     * Spark's loggers that report a failed task or query, or a failed offsets request, each with
     * pages of stack trace; the consumer reports the failure itself, in one line.
     */
    private static final List<String> FAILURE_LOGGERS = List.of(
            "org.apache.spark.executor.Executor",
            "org.apache.spark.scheduler.TaskSetManager",
            "org.apache.spark.sql.execution.streaming.runtime.MicroBatchExecution",
            "org.apache.spark.sql.execution.streaming.runtime.StreamExecution",
            "org.apache.spark.sql.kafka010.KafkaOffsetReaderAdmin");

    /**
     * Loggers whose warnings say nothing a user can act on, shown only from errors up: the
     * host name resolving to loopback (the consumer binds a local driver to 127.0.0.1 itself),
     * Hadoop's missing native library, a stop finding no job to cancel or interrupting
     * Hadoop's chmod of a checkpoint file ("Interrupted while joining on"), a restart
     * finding the state store's cache empty (Spark's own message says "normal"), and a batch
     * longer than {@code --trigger} ("Current batch is falling behind": its progress line gives
     * the batch's duration).
     */
    private static final List<String> NOISE_LOGGERS = List.of(
            "org.apache.spark.util.Utils",
            "org.apache.hadoop.util.NativeCodeLoader",
            "org.apache.hadoop.util.Shell",
            "org.apache.spark.scheduler.DAGScheduler",
            "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
            "org.apache.spark.sql.execution.streaming.runtime.ProcessingTimeExecutor");

    /**
     * Kafka's clients warn of every failed connection, about once a second while a broker is
     * down (Spark retries for about 3 minutes before the query fails): one line per
     * {@link #RECONNECT_WARNING_EVERY_S} seconds says the same.
     */
    static final String KAFKA_NETWORK_LOGGER = "org.apache.kafka.clients.NetworkClient";
    static final int RECONNECT_WARNING_EVERY_S = 30;

    private static void quietLogging() {
        try {
            org.apache.logging.log4j.core.config.Configurator.setRootLevel(
                    org.apache.logging.log4j.Level.WARN);
            for (String name : FAILURE_LOGGERS) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(name,
                        org.apache.logging.log4j.Level.OFF);
            }
            for (String name : NOISE_LOGGERS) {
                org.apache.logging.log4j.core.config.Configurator.setLevel(name,
                        org.apache.logging.log4j.Level.ERROR);
            }
            var context = (org.apache.logging.log4j.core.LoggerContext)
                    org.apache.logging.log4j.LogManager.getContext(false);
            var network = new org.apache.logging.log4j.core.config.LoggerConfig(
                    KAFKA_NETWORK_LOGGER, org.apache.logging.log4j.Level.WARN, true);
            // Log4j's token bucket: one warning, then one more per interval; errors pass.
            network.addFilter(org.apache.logging.log4j.core.filter.BurstFilter.newBuilder()
                    .setLevel(org.apache.logging.log4j.Level.WARN)
                    .setRate(1f / RECONNECT_WARNING_EVERY_S).setMaxBurst(1).build());
            context.getConfiguration().addLogger(KAFKA_NETWORK_LOGGER, network);
            context.updateLoggers();
        } catch (LinkageError | ClassCastException e) {
            // log4j-core absent: Spark's own defaults apply.
        }
    }

    // ---------------------------------------------------------------------------------------
    // The query

    /**
     * A started query with its progress reporter and the bulk size its writes use; closing
     * stops both.
     */
    public record Running(StreamingQuery query, ProgressReporter progress, SparkSession spark,
                          int bulkSize) implements AutoCloseable {
        @Override
        public void close() {
            stopQuietly(query);
            spark.streams().removeListener(progress);
        }
    }

    /**
     * Creates the indexes, then starts the query with the Kafka source and the MongoDB sink of
     * the settings.
     */
    public static Running start(SparkSession spark, Settings s) {
        MongoDatabase db = MongoConnections.shared(s.mongoUri()).getDatabase(s.db());
        KpiSchema.ensureIndexes(db);
        int bulk = s.bulkSize() > 0 ? s.bulkSize() : KpiWriter.defaultBulkSize(db);
        LongAccumulator invalid = spark.sparkContext().longAccumulator("invalid-records");
        LongAccumulator written = spark.sparkContext().longAccumulator("documents-written");
        DeadLetters deadLetters = new MongoDeadLetters(s.mongoUri(), s.db(), bulk);
        Dataset<Row> counts = windowCounts(kafkaSource(spark, s), s, deadLetters, invalid);
        ProgressReporter reporter = new ProgressReporter(s, invalid, written);
        StreamingQuery q = start(counts, reporter.wrap(
                mongoSink(s.mongoUri(), s.db(), bulk, written)), s, spark, reporter);
        return new Running(q, reporter, spark, bulk);
    }

    /** Stage 1, source: the topic's records (value, topic, partition, offset, timestamp). */
    public static Dataset<Row> kafkaSource(SparkSession spark, Settings s) {
        var reader = spark.readStream().format("kafka")
                .option("kafka.bootstrap.servers", s.brokers())
                .option("subscribe", s.topic())
                .option("startingOffsets", s.startingOffsets())
                // Records deleted by retention before we read them are reported, not fatal.
                .option("failOnDataLoss", "false");
        for (Map.Entry<String, String> e : s.kafka().entrySet()) {
            reader = reader.option("kafka." + e.getKey(), e.getValue());
        }
        if (s.maxOffsetsPerTrigger() > 0) {
            reader = reader.option("maxOffsetsPerTrigger", s.maxOffsetsPerTrigger());
        }
        if (s.minPartitions() > 0) {
            reader = reader.option("minPartitions", s.minPartitions());
        }
        return reader.load();
    }

    /**
     * Stages 2-4, from Kafka records to window counts
     * {@code (aggregate, key, window_start, window_end, total_interactions)}.
     */
    public static Dataset<Row> windowCounts(Dataset<Row> kafka, Settings s,
                                            DeadLetters deadLetters, LongAccumulator invalid) {
        // Stage 2, decode once and combine in the task: each valid event counts once for its
        // user and once for its item, per slide bucket ({@link DecodeAndCombine}); each invalid
        // record becomes a dead letter (written by the task) and is counted.
        // The Kafka timestamp, kept only by dead letters, is read as epoch milliseconds.
        Dataset<Row> rows = kafka
                .select(col("value"), col("topic"), col("partition"), col("offset"),
                        unix_millis(col("timestamp")))
                .mapPartitions(new DecodeAndCombine(s.slide(), DecodeAndCombine.MAX_GROUPS,
                        deadLetters, invalid),
                        Encoders.tuple(Encoders.STRING(), Encoders.STRING(),
                                Encoders.TIMESTAMP(), Encoders.LONG()))
                .toDF("aggregate", "key", "event_time", "events");
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

    private static String millis(Duration d) {
        return d.toMillis() + " milliseconds";
    }

    /** The sink's sort column: the document's {@code _id} within its collection. */
    private static final String ORDER_KEY = "_order";

    /** The MongoDB sink: idempotent upserts of every row of the batch, from the tasks. */
    public static VoidFunction2<Dataset<Row>, Long> mongoSink(String mongoUri, String db,
                                                              int bulkSize,
                                                              LongAccumulator written) {
        // Each task writes its rows in _id order: a B-tree takes ordered upserts far faster than
        // random ones (mongo-java-server: 6k vs 2.4k documents/s, bench/RESULTS.md); Spark
        // emits them in hash order otherwise.
        // The order key is a column, computed once per row: as a sort expression Spark would
        // compute it at every comparison (~2 s more for a 374k-row batch, bench/RESULTS.md).
        // KpiWriter writes the two collections at the same time, a thread each.
        return (batch, batchId) -> batch.withColumn(ORDER_KEY, concat_ws("|", col("key"),
                        unix_millis(col(KpiSchema.WINDOW_START)).cast("string"),
                        unix_millis(col(KpiSchema.WINDOW_END)).cast("string")))
                .sortWithinPartitions(col("aggregate"), col(ORDER_KEY))
                .foreachPartition((ForeachPartitionFunction<Row>) rows -> {
            KpiWriter writer = new KpiWriter(MongoConnections.shared(mongoUri).getDatabase(db),
                    bulkSize);
            written.add(writer.writeCounts(new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public WindowCount next() {
                    return toWindowCount(rows.next());
                }
            }));
        });
    }

    /** A row of {@link #windowCounts} as a document to store. */
    public static WindowCount toWindowCount(Row r) {
        return new WindowCount(Aggregate.ofCode(r.getString(0)), r.getString(1),
                epochMillis(r.get(2)), epochMillis(r.get(3)), r.getInt(4));
    }

    private static long epochMillis(Object o) {
        if (o instanceof Timestamp t) {
            return t.getTime();
        }
        if (o instanceof Instant i) {
            return i.toEpochMilli();
        }
        throw new IllegalArgumentException("not a timestamp: " + o);
    }

    /** Where decoding tasks put records that are not valid events. */
    public interface DeadLetters extends Serializable {
        void write(List<InvalidEvent> events);
    }

    /** Dead letters as idempotent upserts into {@code invalid_events}. */
    public record MongoDeadLetters(String mongoUri, String db, int bulkSize)
            implements DeadLetters {
        @Override
        public void write(List<InvalidEvent> events) {
            new KpiWriter(MongoConnections.shared(mongoUri).getDatabase(db), bulkSize)
                    .writeInvalid(events);
        }
    }

    /**
     * Stage 2: decodes each record with the project's codec and combines the partition's events
     * per (aggregate, key, slide bucket) before Spark sees them. Every window that contains an
     * event depends only on its slide bucket ({@code --window} is a multiple of {@code --slide}),
     * so a combined row, stamped with the latest event time of its group, falls into exactly
     * the windows of each of its events, and the watermark (the maximum event time) is the same.
     * One row per group instead of two per event spares Spark's shuffle-side work most rows.
     * The groups are emitted whenever {@code maxGroups} are held, so memory stays bounded
     * however large a micro-batch is. Invalid records become dead letters, written by the task.
     */
    static final class DecodeAndCombine
            implements MapPartitionsFunction<Row, Tuple4<String, String, Timestamp, Long>> {
        /** Groups a task holds before it emits them (bounds memory, not correctness). */
        static final int MAX_GROUPS = 250_000;
        private static final int DEAD_LETTER_BULK = 500;
        private final long slideMillis;
        private final int maxGroups;
        private final DeadLetters deadLetters;
        private final LongAccumulator invalid;

        DecodeAndCombine(Duration slide, int maxGroups, DeadLetters deadLetters,
                         LongAccumulator invalid) {
            if (maxGroups < 2) {
                throw new IllegalArgumentException("maxGroups must be at least 2: " + maxGroups);
            }
            this.slideMillis = slide.toMillis();
            this.maxGroups = maxGroups;
            this.deadLetters = deadLetters;
            this.invalid = invalid;
        }

        /** A key in one slide bucket; its value is {count, latest event time}. */
        private record Group(String key, long bucket) {
            /**
             * Mixed, unlike a record's default {@code 31 * key.hashCode() + bucket}: keys such as
             * {@code user_1234} have near hashes, and with consecutive buckets that default
             * crowded HashMap bins into trees (a tenth of the task's time, measured).
             */
            @Override
            public int hashCode() {
                long h = key.hashCode() * 0x9E3779B97F4A7C15L + bucket;
                h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
                return (int) (h ^ (h >>> 32));
            }
        }

        @Override
        public Iterator<Tuple4<String, String, Timestamp, Long>> call(Iterator<Row> input) {
            EventCodec codec = new EventCodec();
            List<InvalidEvent> pending = new ArrayList<>();
            return new Iterator<>() {
                private Iterator<Tuple4<String, String, Timestamp, Long>> out =
                        Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    while (!out.hasNext() && input.hasNext()) {
                        out = combineNext();
                    }
                    return out.hasNext();
                }

                @Override
                public Tuple4<String, String, Timestamp, Long> next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return out.next();
                }

                /** Reads until the input ends or maxGroups are held; returns their rows. */
                private Iterator<Tuple4<String, String, Timestamp, Long>> combineNext() {
                    Map<Group, long[]> users = new HashMap<>();
                    Map<Group, long[]> items = new HashMap<>();
                    while (input.hasNext() && users.size() + items.size() + 2 <= maxGroups) {
                        Row r = input.next();
                        byte[] value = (byte[]) r.get(0);
                        DecodeResult d = codec.decode(value);
                        if (d.isValid()) {
                            InteractionEvent e = d.event();
                            long t = e.epochMillis();
                            long bucket = Math.floorDiv(t, slideMillis);
                            add(users, new Group(e.userId(), bucket), t);
                            add(items, new Group(e.itemId(), bucket), t);
                            continue;
                        }
                        pending.add(InvalidEvent.of(r.getString(1), r.getInt(2), r.getLong(3),
                                d.reason().code(), d.detail(), value, r.getLong(4)));
                        invalid.add(1);
                        if (pending.size() >= DEAD_LETTER_BULK) {
                            flushDeadLetters();
                        }
                    }
                    if (!input.hasNext()) {
                        flushDeadLetters();
                    }
                    List<Tuple4<String, String, Timestamp, Long>> rows =
                            new ArrayList<>(users.size() + items.size());
                    emit(rows, Aggregate.USER.code(), users);
                    emit(rows, Aggregate.ITEM.code(), items);
                    return rows.iterator();
                }

                private void flushDeadLetters() {
                    if (!pending.isEmpty()) {
                        deadLetters.write(pending);
                        pending.clear();
                    }
                }
            };
        }

        private static void add(Map<Group, long[]> groups, Group g, long eventMillis) {
            long[] v = groups.get(g);
            if (v == null) {
                groups.put(g, new long[] {1, eventMillis});
            } else {
                v[0]++;
                v[1] = Math.max(v[1], eventMillis);
            }
        }

        private static void emit(List<Tuple4<String, String, Timestamp, Long>> rows,
                                 String aggregate, Map<Group, long[]> groups) {
            for (Map.Entry<Group, long[]> e : groups.entrySet()) {
                rows.add(new Tuple4<>(aggregate, e.getKey().key(), new Timestamp(e.getValue()[1]),
                        e.getValue()[0]));
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Progress

    /**
     * Prints one line per micro-batch and keeps it in {@code pipeline_progress}: rows, rates,
     * lag (offsets behind the latest, from the Kafka source's metrics), duration, invalid
     * records (counted by the decoding tasks) and late rows (Spark's rows dropped by watermark).
     */
    public static final class ProgressReporter extends StreamingQueryListener {
        private final Settings settings;
        private final LongAccumulator invalid;
        private final LongAccumulator written;
        private final String runId = UUID.randomUUID().toString();
        private final Map<Long, long[]> byBatch = new ConcurrentHashMap<>();
        // The last RETAINED records (as pipeline_progress keeps), and totals over the whole run.
        private final java.util.ArrayDeque<ProgressRecord> records = new java.util.ArrayDeque<>();
        private long batches;
        private long rows;
        private long invalidRows;
        private long lateRows;
        private long documents;
        private final long startNanos = System.nanoTime();
        private volatile UUID queryId;

        public ProgressReporter(Settings settings, LongAccumulator invalid,
                                LongAccumulator written) {
            this.settings = settings;
            this.invalid = invalid;
            this.written = written;
        }

        /** The sink, recording the batch's invalid and written counts (accumulator deltas). */
        public VoidFunction2<Dataset<Row>, Long> wrap(VoidFunction2<Dataset<Row>, Long> sink) {
            return (batch, batchId) -> {
                long invalidBefore = invalid.value();
                long writtenBefore = written.value();
                sink.call(batch, batchId);
                byBatch.put(batchId, new long[] {invalid.value() - invalidBefore,
                    written.value() - writtenBefore});
            };
        }

        /** The last {@link ProgressRecord#RETAINED} records reported, oldest first. */
        public List<ProgressRecord> records() {
            synchronized (records) {
                return List.copyOf(records);
            }
        }

        /** The run in one line: rows, batches, documents, invalid and late rows, rate. */
        public String summary() {
            double secs = (System.nanoTime() - startNanos) / 1e9;
            synchronized (records) {
                return String.format(Locale.ROOT, "%d rows in %d micro-batches, %d documents "
                        + "written, %d invalid, %d late; %.1f s since the query started (%.0f "
                        + "rows/s)", rows, batches, documents, invalidRows, lateRows, secs,
                        secs > 0 ? rows / secs : 0.0);
            }
        }

        private void add(ProgressRecord r) {
            synchronized (records) {
                records.addLast(r);
                if (records.size() > ProgressRecord.RETAINED) {
                    records.removeFirst();
                }
                batches++;
                rows += r.inputRows();
                invalidRows += r.invalid();
                lateRows += r.lateRows();
                documents += r.documentsWritten();
            }
        }

        @Override
        public void onQueryStarted(QueryStartedEvent event) {
            if (event.name() != null && event.name().equals(QUERY_NAME + "_" + settings.db())) {
                queryId = event.id();
            }
        }

        @Override
        public void onQueryProgress(QueryProgressEvent event) {
            StreamingQueryProgress p = event.progress();
            if (queryId == null || !queryId.equals(p.id())) {
                return;
            }
            long late = 0;
            for (StateOperatorProgress op : p.stateOperators()) {
                late += op.numRowsDroppedByWatermark();
            }
            long maxBehind = -1;
            double avgBehind = 0;
            for (SourceProgress src : p.sources()) {
                Map<String, String> m = src.metrics();
                if (m != null && m.containsKey("maxOffsetsBehindLatest")) {
                    maxBehind = Math.max(maxBehind, parseLong(m.get("maxOffsetsBehindLatest")));
                    avgBehind += parseDouble(m.get("avgOffsetsBehindLatest"));
                }
            }
            long[] counts = byBatch.remove(p.batchId());
            Long duration = p.durationMs().get("triggerExecution");
            long start = Instant.parse(p.timestamp()).toEpochMilli();
            long end = start + (duration == null ? 0 : duration);
            String wm = p.eventTime().get("watermark");
            // The newest event of the batch became visible at the batch's end: its age then.
            String newest = p.eventTime().get("max");
            long age = newest == null ? -1
                    : Math.max(0, end - Instant.parse(newest).toEpochMilli());
            // Spark measures the input rate from the previous trigger: the run's first batch
            // has none, and Spark says 0 rows/s for rows it did read. Unknown, then.
            double inRate = p.inputRowsPerSecond() == 0 && p.numInputRows() > 0 ? Double.NaN
                    : p.inputRowsPerSecond();
            ProgressRecord r = new ProgressRecord(runId, p.batchId(), start, p.numInputRows(),
                    inRate, p.processedRowsPerSecond(), maxBehind, avgBehind,
                    duration == null ? 0 : duration, counts == null ? 0 : counts[0], late,
                    counts == null ? 0 : counts[1], age, wm == null ? "-" : wm);
            add(r);
            System.out.println(r.line());
            try {
                r.store(MongoConnections.shared(settings.mongoUri()).getDatabase(settings.db()));
            } catch (RuntimeException e) {
                System.err.println("consumer: cannot store progress: " + describe(e));
            }
        }

        @Override
        public void onQueryTerminated(QueryTerminatedEvent event) {
            // nothing: the exit path reports failures
        }

        private static long parseLong(String s) {
            try {
                return s == null ? 0 : (long) Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        private static double parseDouble(String s) {
            try {
                return s == null ? 0 : Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Checkpoint guards

    /** The checkpoint belongs to another query shape, or to a consumer that is running. */
    static final class CheckpointConflict extends RuntimeException {
        CheckpointConflict(String message) {
            super(message);
        }
    }

    /**
     * Compares the settings with the shape stored beside the checkpoint, and stores it for a new
     * checkpoint. The stored shape binds only once Spark has written the checkpoint (a query
     * started): a run that stopped before, say on a server that was down or a mistyped flag,
     * leaves nothing that the next run's flags must match.
     *
     * @throws CheckpointConflict naming every flag that differs
     */
    static void checkShape(Settings s) {
        Path dir = s.checkpoint();
        Path file = dir.resolve(SHAPE_FILE);
        Properties now = s.shape();
        try {
            Files.createDirectories(dir);
            if (Files.isRegularFile(file) && sparkWroteCheckpoint(dir)) {
                Properties then = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    then.load(in);
                }
                List<String> changed = new ArrayList<>();
                for (String k : now.stringPropertyNames().stream().sorted().toList()) {
                    String old = then.getProperty(k);
                    if (old != null && !old.equals(now.getProperty(k))) {
                        changed.add("--" + k + " was " + old + ", now " + now.getProperty(k));
                    }
                }
                if (!changed.isEmpty()) {
                    throw new CheckpointConflict("checkpoint " + dir + " was written by a "
                            + "different query: " + String.join("; ", changed) + ". Use a new "
                            + "--checkpoint-base (or the old flags) to go on.");
                }
                return;
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                now.store(out, "query shape of this checkpoint; written by consumer.java");
            }
        } catch (IOException e) {
            throw new CheckpointConflict("checkpoint folder " + dir + " is not usable: " + e);
        }
    }

    /**
     * The shuffle partitions a checkpoint's query runs with: Spark records them in each batch's
     * offsets entry (line 2, JSON, {@code conf}) and ignores the session's setting from then on.
     */
    static Optional<Integer> checkpointShufflePartitions(Path checkpoint) {
        Path offsets = checkpoint.resolve("offsets");
        if (!Files.isDirectory(offsets)) {
            return Optional.empty();
        }
        try (var entries = Files.list(offsets)) {
            Optional<Path> latest = entries
                    .filter(f -> f.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingLong(
                            f -> Long.parseLong(f.getFileName().toString())));
            if (latest.isEmpty()) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(latest.get());
            if (lines.size() < 2) {
                return Optional.empty();
            }
            JsonNode n = new ObjectMapper().readTree(lines.get(1))
                    .path("conf").path("spark.sql.shuffle.partitions");
            return n.isMissingNode() ? Optional.empty()
                    : Optional.of(Integer.parseInt(n.asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: Spark itself will say more
        }
    }

    /** Whether this run resumes a query (unreadable counts as new: Spark will say more). */
    static boolean resumes(Path dir) {
        try {
            return sparkWroteCheckpoint(dir);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a query has started on this checkpoint: Spark's metadata, sources or offsets. */
    static boolean sparkWroteCheckpoint(Path dir) throws IOException {
        if (Files.exists(dir.resolve("metadata"))) {
            return true;
        }
        for (String log : List.of("sources", "offsets")) {
            Path d = dir.resolve(log);
            if (Files.isDirectory(d)) {
                try (var entries = Files.list(d)) {
                    if (entries.findAny().isPresent()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
