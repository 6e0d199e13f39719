///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Generates user interaction events and publishes them to Kafka at a steady rate
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.apache.kafka:kafka-clients:4.1.1
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS org.slf4j:slf4j-api:2.0.17
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/*.java

import analytics.core.Brokers;
import analytics.core.ClientProperties;
import analytics.core.Defaults;
import analytics.core.StopSignals;
import analytics.core.Durations;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.InvalidReason;
import analytics.core.Secrets;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Generates user interaction events and publishes them to a Kafka topic at a steady rate.
 *
 * <pre>
 *   producer --broker localhost:9092 --topic test-topic --rate 500 --batch 25
 *   producer --rate 0 --count 1000000                  # as fast as possible, then stop
 *   producer --duration 5m --users 1000 --items 200 --zipf 1.1 --seed 42
 *   producer --count 10000 --seed 7 --start-time 2025-12-22T10:00:00Z   # byte-identical reruns
 *   producer --late-fraction 0.05 --late-by 15m --invalid-fraction 0.01
 *   producer --kafka-config client.properties -X compression.type=zstd
 * </pre>
 *
 * <p>Each record is one event in the {@link EventCodec} format, keyed by {@code user_id}.
 * Stages: parse and validate flags (exit 2 on bad input) → build the client configuration →
 * wait for the broker (exponential backoff with jitter, exit 3 after {@code --connect-timeout}) →
 * generate and send batches on an absolute timeline → flush and print the summary (also on
 * Ctrl-C / SIGTERM, which then exit like a bounded run; a second one quits at once). Exit 1
 * when any record could not be delivered.
 */
@Command(name = "producer", mixinStandardHelpOptions = true, version = "producer 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Generates user interaction events (JSON, key = user_id) and publishes "
                + "them to a Kafka topic at a steady rate.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:all records acknowledged (also when stopped by Ctrl-C / SIGTERM)",
            "1:some records could not be delivered, or a runtime error",
            "2:invalid command line or Kafka client setting",
            "3:broker not reachable within --connect-timeout",
            "130/143:Ctrl-C / SIGTERM before the broker answered, or a second one"})
public class producer implements Callable<Integer> {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    /** A timeline more than this far behind is reset instead of being caught up in a burst. */
    static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Kafka settings this script decides (a flag, or the run depends on them); the reason names
     * what to use instead. The delivery and tuning settings of {@link #clientConfig} stay open.
     */
    static final Map<String, String> OWNED = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "use --broker",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "the keys are user ids (String)",
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "the values are the codec's JSON bytes",
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "the producer does not use transactions "
                    + "(send() would fail)");

    @Spec
    CommandSpec spec;

    // ---- the original's flags (names and defaults unchanged) ----------------------------------

    @Option(names = {"--broker", "--brokers"}, paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:KAFKA_BOOTSTRAP:-" + Defaults.BROKERS + "}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP; "
                    + "default: ${DEFAULT-VALUE}); --brokers as in the consumer.")
    String broker;

    @Option(names = "--topic", paramLabel = "NAME",
            defaultValue = "${env:KAFKA_TOPIC:-" + Defaults.TOPIC + "}",
            description = "Topic to publish to (env KAFKA_TOPIC; default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--rate", paramLabel = "MSGS_PER_S",
            defaultValue = "${env:PRODUCER_RATE:-" + Defaults.RATE + "}",
            description = "Target rate in messages per second; 0 = as fast as possible "
                    + "(env PRODUCER_RATE; default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--batch", paramLabel = "MSGS",
            defaultValue = "${env:PRODUCER_BATCH:-" + Defaults.BATCH + "}",
            description = "Messages sent back to back per scheduling step "
                    + "(env PRODUCER_BATCH; default: ${DEFAULT-VALUE}).")
    int batch;

    // ---- bounded runs --------------------------------------------------------------------------

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Stop after N messages; 0 = no limit (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long, e.g. 30s, 5m, 1h, 500ms (default: no limit).")
    Duration duration;

    // ---- what the events look like -------------------------------------------------------------

    @Option(names = "--users", paramLabel = "N", defaultValue = "10000",
            description = "Number of distinct users, user_1 .. user_N (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--items", paramLabel = "N", defaultValue = "5000",
            description = "Number of distinct items, item_1 .. item_N (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--zipf", paramLabel = "S", defaultValue = "0",
            description = "Zipf exponent of item popularity (item_1 the hottest); 0 = uniform, "
                    + "1.0-1.2 is typical of real catalogues (default: ${DEFAULT-VALUE}).")
    double zipf;

    @Option(names = "--seed", paramLabel = "LONG",
            description = "Seed of the event stream; the same seed gives the same events "
                    + "(default: random, printed at start).")
    Long seed;

    @Option(names = "--start-time", paramLabel = "INSTANT",
            description = "Event time of the first event, e.g. 2025-12-22T10:00:00Z; events then "
                    + "advance 1/rate s each (1 ms each at --rate 0) instead of following the "
                    + "wall clock, so with --seed the records are byte-identical across runs "
                    + "(default: wall clock).")
    String startTime;

    @Option(names = "--late-fraction", paramLabel = "F", defaultValue = "0",
            description = "Fraction 0..1 of events whose event time lags by --late-by "
                    + "(default: ${DEFAULT-VALUE}).")
    double lateFraction;

    @Option(names = "--late-by", paramLabel = "TIME", defaultValue = "5m",
            converter = DurationConverter.class,
            description = "How far late events lag behind, e.g. 90s, 15m "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration lateBy;

    @Option(names = "--invalid-fraction", paramLabel = "F", defaultValue = "0",
            description = "Fraction 0..1 of malformed records, evenly spread over the kinds the "
                    + "consumer rejects: not JSON, missing field, wrong type, unknown "
                    + "interaction_type, bad timestamp (default: ${DEFAULT-VALUE}).")
    double invalidFraction;

    // ---- Kafka client ------------------------------------------------------------------------

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka producer properties file (e.g. security.protocol, sasl.*, "
                    + "ssl.*); overrides the built-in settings, except bootstrap.servers (use "
                    + "--broker), the serializers and transactional.id.")
    Path kafkaConfig;

    @Option(names = "-X", paramLabel = "KEY=VALUE",
            description = "Kafka producer setting, repeatable; overrides --kafka-config, "
                    + "e.g. -X compression.type=zstd -X linger.ms=20 (same exceptions).")
    List<String> kafkaOverrides = new ArrayList<>();

    @Option(names = "--connect-timeout", paramLabel = "TIME", defaultValue = "60s",
            converter = DurationConverter.class,
            description = "How long to wait for the broker at start (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--close-timeout", paramLabel = "TIME", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait at the end for outstanding sends to be acknowledged "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration closeTimeout;

    @Option(names = "--report-interval", paramLabel = "TIME", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Interval of the progress lines (default: ${DEFAULT-VALUE}).")
    Duration reportInterval;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with this script's error handling: a usage error is one line naming the
     * flag and exit 2; an unexpected error is one line and exit 1 (stack trace only with
     * {@code PRODUCER_DEBUG=1}).
     */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new producer());
        cmd.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("producer: " + ex.getMessage()
                    + " (see --help)");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            if ("1".equals(System.getenv("PRODUCER_DEBUG"))) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().println("producer: error: " + oneLine(ex));
            return EXIT_FAILED;
        });
        return cmd;
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = validate();
        PrintStream out = System.out;
        PrintStream err = System.err;
        Run run = new Run(settings, out, err);
        // Any other end of the JVM (SIGHUP, or a signal that cannot be handled here) still
        // flushes and prints the summary, in the hook.
        Thread hook = new Thread(run::stopFromSignal, "producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code;
        // Ctrl-C / SIGTERM: the run stops and ends with its own exit code, as a bounded run does.
        try (StopSignals signals = StopSignals.install(signalExit -> {
            if (!run.isFinished()) {
                err.println("producer: stop requested; flushing what was accepted (Ctrl-C again "
                        + "to quit at once)");
                run.stop(signalExit);
            }
        }, err, "producer: stopped again; quitting without waiting for outstanding sends")) {
            code = run.execute();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting (signal); the hook prints nothing more.
        }
        return code;
    }

    // ---- validation ----------------------------------------------------------------------------

    /** Everything the run needs, checked. */
    record Settings(String broker, String topic, double rate, int batch, long count,
                    Duration duration, EventGenerator.Options events, Properties kafka,
                    Duration connectTimeout, Duration closeTimeout, Duration reportInterval) {
    }

    /** Checks every flag; throws a {@link ParameterException} naming the first bad one. */
    Settings validate() {
        CommandLine cl = spec.commandLine();
        if (broker == null || broker.isBlank()) {
            throw new ParameterException(cl, "--broker must not be empty");
        }
        Brokers.problem(broker).ifPresent(problem -> {
            throw new ParameterException(cl, "Invalid value for option '--broker': " + problem);
        });
        if (topic == null || topic.isBlank() || topic.length() > 249
                || !topic.matches("[a-zA-Z0-9._-]+") || topic.equals(".") || topic.equals("..")) {
            throw new ParameterException(cl, "Invalid value for option '--topic': '" + topic
                    + "' is not a legal topic name (letters, digits, '.', '_', '-', at most 249)");
        }
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw bad(cl, "--rate", rate, "must be >= 0 messages per second (0 = unlimited)");
        }
        if (batch < 1) {
            throw bad(cl, "--batch", batch, "must be at least 1 message");
        }
        if (count < 0) {
            throw bad(cl, "--count", count, "must be >= 0 (0 = no limit)");
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw bad(cl, "--duration", duration, "must be positive");
        }
        if (users < 1) {
            throw bad(cl, "--users", users, "must be at least 1");
        }
        if (items < 1) {
            throw bad(cl, "--items", items, "must be at least 1");
        }
        if (!(zipf >= 0) || zipf > 10) {
            throw bad(cl, "--zipf", zipf, "must be between 0 (uniform) and 10");
        }
        if (zipf > 0 && items > Zipf.MAX_ITEMS) {
            throw bad(cl, "--items", items, "must be at most " + Zipf.MAX_ITEMS + " with --zipf");
        }
        checkFraction(cl, "--late-fraction", lateFraction);
        checkFraction(cl, "--invalid-fraction", invalidFraction);
        if (lateFraction + invalidFraction > 1.0) {
            throw new ParameterException(cl, "--late-fraction + --invalid-fraction must not "
                    + "exceed 1, got " + (lateFraction + invalidFraction));
        }
        if (lateBy.isNegative() || lateBy.isZero()) {
            throw bad(cl, "--late-by", lateBy, "must be positive");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw bad(cl, "--connect-timeout", connectTimeout, "must be positive");
        }
        if (closeTimeout.isNegative()) {
            throw bad(cl, "--close-timeout", closeTimeout, "must not be negative");
        }
        if (reportInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw bad(cl, "--report-interval", reportInterval, "must be at least 100ms");
        }
        Long startMillis = null;
        if (startTime != null) {
            try {
                startMillis = EventCodec.parseTimestamp(startTime).toEpochMilli();
            } catch (RuntimeException e) {
                throw bad(cl, "--start-time", startTime,
                        "is not an ISO-8601 instant such as 2025-12-22T10:00:00Z");
            }
        }
        long effectiveSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        var events = new EventGenerator.Options(effectiveSeed, users, items, zipf, startMillis,
                rate, lateFraction, lateBy.toMillis(), invalidFraction);
        Properties file = loadConfigFile(cl, kafkaConfig);
        Properties overrides = parseOverrides(cl, kafkaOverrides);
        try {
            ClientProperties.refuseOwned("--kafka-config", file, OWNED);
            ClientProperties.refuseOwned("-X", overrides, OWNED);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
        Properties props = clientConfig(broker, file, overrides);
        try {
            // Validates types, ranges and combinations (e.g. acks=1 with idempotence) up front,
            // before anything connects.
            new ProducerConfig(props);
        } catch (ConfigException e) {
            String from = kafkaOverrides.isEmpty() ? "--kafka-config" : "-X/--kafka-config";
            throw new ParameterException(cl, "Invalid Kafka setting (" + from + "): "
                    + Secrets.mask(e.getMessage()));
        }
        return new Settings(broker, topic, rate, batch, count, duration, events, props,
                connectTimeout, closeTimeout, reportInterval);
    }

    private static void checkFraction(CommandLine cl, String flag, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw bad(cl, flag, v, "must be a fraction between 0 and 1");
        }
    }

    private static ParameterException bad(CommandLine cl, String flag, Object value, String why) {
        return new ParameterException(cl, "Invalid value for option '" + flag + "': '"
                + typed(cl, flag, value) + "' " + why);
    }

    /** The value as given on the command line (e.g. "-5", not "-5.0"), else {@code value}. */
    private static String typed(CommandLine cl, String flag, Object value) {
        var parsed = cl.getParseResult();
        if (parsed != null && parsed.hasMatchedOption(flag)) {
            List<String> given = parsed.matchedOption(flag).stringValues();
            if (!given.isEmpty()) {
                return given.get(given.size() - 1);
            }
        }
        return value instanceof Duration d ? DurationConverter.format(d) : String.valueOf(value);
    }

    /** The properties of {@code --kafka-config}, or empty; unreadable files are usage errors. */
    static Properties loadConfigFile(CommandLine cl, Path file) {
        try {
            return ClientProperties.load("--kafka-config", file);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    /** {@code -X key=value} pairs in order; the value may itself contain '='. */
    static Properties parseOverrides(CommandLine cl, List<String> pairs) {
        try {
            return ClientProperties.parsePairs("-X", pairs, ProducerConfig.configNames(),
                    "Kafka producer");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    // ---- Kafka client configuration -------------------------------------------------------------

    /**
     * The producer configuration: the built-in delivery settings, then the file, then
     * {@code -X} (later wins); the {@link #OWNED} settings are the script's, whatever the file or
     * {@code -X} say ({@link #validate} refuses them there).
     */
    static Properties clientConfig(String broker, Properties file, Properties overrides) {
        Properties p = new Properties();
        // Names this client in broker logs and quotas.
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "interaction-producer");
        // The broker de-duplicates retried batches by producer id and sequence number: a retry
        // after a lost acknowledgement never writes a record twice, and order per partition holds.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // A send counts as done only when every in-sync replica has it: no loss on leader
        // failover. Idempotence requires it.
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // The most in-flight requests idempotence allows while still keeping per-partition order.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        // Retries are bounded by time (delivery.timeout.ms), not by count: Kafka's own retry
        // loop, no hand-written one.
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        // Upper bound from send() to success or failure, retries included (2 min: rides out a
        // broker restart or a leader election, then reports the record as failed).
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        // One request waits this long for the broker before it is retried.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        // Retries back off exponentially from 100 ms to 1 s (with Kafka's own jitter), so an
        // unavailable partition is not hammered.
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        // lz4: the cheapest codec in CPU for ~105-byte JSON records; measured in bench/RESULTS.md
        // against zstd (which compresses better but costs more CPU per record).
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Wait up to 10 ms to fill a batch: at high rates batches fill first, at 1k/s it adds at
        // most 10 ms of latency and cuts the request count by about ten.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        // 128 KiB batches (about 1,200 records before compression): fewer, larger requests at
        // --rate 0; memory is bounded by buffer.memory anyway.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
        // 64 MiB of accepted-but-unsent records before send() blocks: several seconds of
        // backlog at 100k/s, so a short broker hiccup does not stall generation.
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        // send() blocks at most this long when the buffer is full or metadata is missing;
        // then the record is counted as failed instead of hanging the generator.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.putAll(file);
        p.putAll(overrides);
        // Fixed by the script: every message names --broker; keys are user ids, values the
        // codec's UTF-8 JSON bytes.
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * The admin client used only to wait for the broker: the producer's connection and
     * security settings, with one attempt bounded by {@code attemptMs}.
     */
    static Properties adminConfig(Properties producerProps, long attemptMs) {
        Properties a = ClientProperties.connection(producerProps);
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, "interaction-producer-probe");
        // One attempt must end within attemptMs so that each attempt gets its own line.
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(attemptMs));
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(attemptMs));
        // Reconnect quickly inside an attempt; the backoff between attempts is ours.
        a.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        a.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return a;
    }

    /** Printable config, sorted, secrets masked. */
    static String describeConfig(Properties p) {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (!k.endsWith(".serializer")) {
                sorted.put(k, p.getProperty(k));
            }
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=')
                .append(v));
        return Secrets.mask(sb.toString());
    }

    // ---- the run ------------------------------------------------------------------------------

    /** One execution: connect, send on a timeline, flush, summarise. */
    static final class Run {
        private final Settings s;
        private final PrintStream out;
        private final PrintStream err;
        private final Stats stats;
        private final AtomicBoolean stopRequested = new AtomicBoolean();
        private final CountDownLatch generationDone = new CountDownLatch(1);
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile Thread runner;
        private volatile boolean summaryPrinted;
        /** Exit code of a stop before the broker answered (nothing was sent). */
        private volatile int stopExit = EXIT_FAILED;

        Run(Settings s, PrintStream out, PrintStream err) {
            this.s = s;
            this.out = out;
            this.err = err;
            this.stats = new Stats(s.rate(), err);
        }

        int execute() {
            runner = Thread.currentThread();
            try {
                return executeInner();
            } finally {
                generationDone.countDown();
                finished.countDown();
            }
        }

        private int executeInner() {
            out.printf(Locale.ROOT, "producer: topic '%s' at %s; rate %s in batches of %d; %s; "
                            + "seed %d%n", s.topic(), s.broker(), rateText(s.rate()), s.batch(),
                    boundText(), s.events().seed());
            out.println("producer: kafka settings: " + describeConfig(s.kafka()));
            ConnectResult connected = waitForBroker();
            if (connected.code() != EXIT_OK) {
                return connected.code();
            }
            KafkaProducer<String, byte[]> producer;
            try {
                producer = new KafkaProducer<>(s.kafka());
            } catch (KafkaException e) {
                err.println("producer: cannot create the Kafka producer: " + oneLine(e));
                return EXIT_USAGE;
            }
            int code = EXIT_OK;
            try {
                List<PartitionInfo> parts = producer.partitionsFor(s.topic());
                out.printf(Locale.ROOT, "producer: connected to %s (cluster %s, %d broker(s)); "
                                + "topic '%s' has %d partition(s)%n", s.broker(),
                        connected.clusterId(), connected.brokers(), s.topic(), parts.size());
                code = produce(producer);
            } catch (InterruptException e) {
                Thread.interrupted();
            } catch (KafkaException e) {
                err.println("producer: " + oneLine(e));
                code = EXIT_FAILED;
            } finally {
                generationDone.countDown();
                Thread.interrupted(); // a stop request may have interrupted a blocked send
                // close() waits for outstanding sends up to the bound, then fails the rest
                // (they count as errors): everything accepted is flushed or reported.
                try {
                    producer.close(s.closeTimeout());
                } catch (KafkaException e) {
                    err.println("producer: while closing: " + oneLine(e));
                }
            }
            printSummary();
            long failed = stats.errors();
            if (failed > 0) {
                err.println("producer: " + failed + (failed == 1 ? " record" : " records")
                        + " could not be delivered (first error: " + stats.firstError() + ")");
                if (code == EXIT_OK) {
                    code = EXIT_FAILED;
                }
            }
            return code;
        }

        private String boundText() {
            List<String> b = new ArrayList<>();
            if (s.count() > 0) {
                b.add(s.count() + " messages");
            }
            if (s.duration() != null) {
                b.add(DurationConverter.format(s.duration()));
            }
            return b.isEmpty() ? "until stopped" : "stop after " + String.join(" or ", b);
        }

        record ConnectResult(int code, String clusterId, int brokers) {
        }

        /** Waits for the broker with exponential backoff and jitter, a line per attempt. */
        private ConnectResult waitForBroker() {
            long deadline = System.nanoTime() + s.connectTimeout().toNanos();
            long backoffMs = 250;
            Admin admin = null;
            try {
                for (int attempt = 1; ; attempt++) {
                    if (stopRequested.get()) {
                        err.println("producer: stopped while waiting for the broker");
                        return new ConnectResult(stopExit, null, 0);
                    }
                    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    long attemptMs = Math.max(200, Math.min(3000, remainingMs));
                    String reason;
                    try {
                        if (admin == null) {
                            admin = Admin.create(adminConfig(s.kafka(), attemptMs));
                        }
                        DescribeClusterResult r = admin.describeCluster(
                                new DescribeClusterOptions().timeoutMs((int) attemptMs));
                        long waitMs = attemptMs + 500;
                        Collection<Node> nodes = r.nodes().get(waitMs, TimeUnit.MILLISECONDS);
                        String id = r.clusterId().get(waitMs, TimeUnit.MILLISECONDS);
                        return new ConnectResult(EXIT_OK, id, nodes.size());
                    } catch (ExecutionException e) {
                        Throwable c = e.getCause() == null ? e : e.getCause();
                        if (c instanceof AuthenticationException
                                || c instanceof AuthorizationException) {
                            err.println("producer: Kafka broker at " + s.broker()
                                    + " refused the client: " + oneLine(c));
                            return new ConnectResult(EXIT_UNREACHABLE, null, 0);
                        }
                        reason = c instanceof org.apache.kafka.common.errors.TimeoutException
                                ? "no answer within " + attemptMs + " ms" : oneLine(c);
                    } catch (TimeoutException e) {
                        reason = "no answer within " + attemptMs + " ms";
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        if (stopRequested.get()) {
                            err.println("producer: stopped while waiting for the broker");
                        }
                        return new ConnectResult(stopRequested.get() ? stopExit : EXIT_FAILED,
                                null, 0);
                    } catch (KafkaException e) {
                        closeQuietly(admin);
                        admin = null;
                        if (!causedByUnresolvableHost(e)) {
                            // e.g. an SSL keystore that cannot be read: waiting will not help.
                            err.println("producer: cannot create a Kafka client for " + s.broker()
                                    + ": " + oneLine(rootCause(e)));
                            return new ConnectResult(EXIT_USAGE, null, 0);
                        }
                        // A host name that does not resolve (yet): retry like the rest.
                        reason = oneLine(rootCause(e));
                    }
                    remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (remainingMs <= 0) {
                        err.printf(Locale.ROOT, "producer: cannot reach Kafka broker at %s within "
                                        + "%s (%d attempt%s): %s%n", s.broker(),
                                DurationConverter.format(s.connectTimeout()), attempt,
                                attempt == 1 ? "" : "s", reason);
                        return new ConnectResult(EXIT_UNREACHABLE, null, 0);
                    }
                    // Full jitter on top of half the backoff: 0.5x..1.0x of the current step.
                    long sleepMs = Math.min(remainingMs, backoffMs / 2
                            + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
                    err.printf(Locale.ROOT, "producer: waiting for Kafka broker at %s (attempt %d:"
                            + " %s); retrying in %d ms%n", s.broker(), attempt, reason, sleepMs);
                    sleepUnlessStopped(TimeUnit.MILLISECONDS.toNanos(sleepMs));
                    backoffMs = Math.min(backoffMs * 2, 8000);
                }
            } finally {
                closeQuietly(admin);
            }
        }

        private static boolean causedByUnresolvableHost(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getMessage() != null && t.getMessage().contains("resolvable")) {
                    return true;
                }
            }
            return false;
        }

        private static Throwable rootCause(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            return t;
        }

        private void sleepUnlessStopped(long nanos) {
            long end = System.nanoTime() + nanos;
            long left;
            while (!stopRequested.get() && (left = end - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
            }
        }

        private static void closeQuietly(Admin admin) {
            if (admin != null) {
                try {
                    admin.close(Duration.ofSeconds(2));
                } catch (RuntimeException ignored) {
                    // best effort: it only probed the broker
                }
            }
        }

        /** Generates and sends until a bound is reached or a stop is requested. */
        private int produce(KafkaProducer<String, byte[]> producer) {
            EventGenerator gen = new EventGenerator(s.events());
            long start = System.nanoTime();
            long end = s.duration() == null ? Long.MAX_VALUE : start + s.duration().toNanos();
            long limit = s.count() > 0 ? s.count() : Long.MAX_VALUE;
            Pacer pacer = new Pacer(s.rate(), start, MAX_LAG_NANOS);
            stats.start(start);
            var reporter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "producer-progress");
                t.setDaemon(true);
                return t;
            });
            long every = s.reportInterval().toMillis();
            reporter.scheduleAtFixedRate(() -> out.println(stats.windowLine()), every, every,
                    TimeUnit.MILLISECONDS);
            long lastLagWarning = Long.MIN_VALUE;
            long generated = 0;
            try {
                while (generated < limit && !stopRequested.get()) {
                    long now = System.nanoTime();
                    if (now - end >= 0) {
                        break;
                    }
                    long wait = pacer.delayNanos(now);
                    if (pacer.takeReset()) {
                        if (now - lastLagWarning >= s.reportInterval().toNanos()
                                || lastLagWarning == Long.MIN_VALUE) {
                            err.printf(Locale.ROOT, "producer: broker cannot keep up: achieved "
                                            + "%.1f/s of target %s over the last %.1f s%n",
                                    pacer.lastAchievedRate(), rateText(s.rate()),
                                    pacer.lastTimelineSeconds());
                            lastLagWarning = now;
                        }
                    }
                    if (wait > 0) {
                        LockSupport.parkNanos(this, Math.min(wait, end - now));
                        continue;
                    }
                    int n = (int) Math.min(s.batch(), limit - generated);
                    for (int i = 0; i < n; i++) {
                        EventGenerator.Generated g = gen.next(System.currentTimeMillis());
                        stats.generated(g);
                        long sendStart = System.nanoTime();
                        producer.send(new ProducerRecord<>(s.topic(), g.key(), g.value()),
                                stats.callback(sendStart, g.value().length));
                    }
                    generated += n;
                    pacer.sent(n);
                }
            } finally {
                reporter.shutdownNow();
                stats.stopGenerating(pacer.resets());
            }
            return EXIT_OK;
        }

        boolean isFinished() {
            return finished.getCount() == 0;
        }

        /**
         * Stops generating and wakes the runner, which then flushes and summarises; a send()
         * still blocked after 2 s is interrupted. {@code exitBeforeConnect} is the exit code
         * when the broker has not answered yet.
         */
        void stop(int exitBeforeConnect) {
            if (isFinished()) {
                return;
            }
            stopExit = exitBeforeConnect;
            stopRequested.set(true);
            Thread t = runner;
            if (t != null) {
                LockSupport.unpark(t);
            }
            try {
                if (!generationDone.await(2, TimeUnit.SECONDS) && t != null) {
                    t.interrupt(); // a send() blocked on a full buffer
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Shutdown hook: stop generating, let the runner flush, wait (bounded) for it. */
        void stopFromSignal() {
            if (isFinished()) {
                return;
            }
            err.println("producer: stop requested; flushing what was accepted");
            stop(EXIT_FAILED);
            try {
                long bound = s.closeTimeout().toMillis() + 5000;
                if (!finished.await(bound, TimeUnit.MILLISECONDS)) {
                    err.println("producer: gave up waiting for outstanding sends");
                    printSummary();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private synchronized void printSummary() {
            if (!summaryPrinted) {
                summaryPrinted = true;
                out.println(stats.summaryLine());
                out.flush();
            }
        }
    }

    static String rateText(double rate) {
        return rate == 0 ? "unlimited" : String.format(Locale.ROOT, "%.0f/s", rate);
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return Secrets.mask(nl < 0 ? m : m.substring(0, nl));
    }

    // ---- rate control ---------------------------------------------------------------------------

    /**
     * Schedules sends on an absolute timeline: event k (counted from the timeline's start) is due
     * at {@code start + k / rate}. Sleeping shorter or longer never accumulates drift because
     * each due time is computed from the start, not from the previous send. When the sender
     * falls more than {@code maxLagNanos} behind (broker back-pressure, a pause), the timeline
     * restarts at the current time instead of sending the missed events in a burst.
     */
    static final class Pacer {
        private final double nanosPerEvent;
        private final long maxLagNanos;
        private long timelineStart;
        private long onTimeline;
        private long resets;
        private boolean resetPending;
        private double lastAchieved;
        private double lastSeconds;

        Pacer(double rate, long startNanos, long maxLagNanos) {
            this.nanosPerEvent = rate > 0 ? 1e9 / rate : 0;
            this.maxLagNanos = maxLagNanos;
            this.timelineStart = startNanos;
        }

        /** Nanoseconds to wait before the next event is due; 0 when it is due now. */
        long delayNanos(long now) {
            if (nanosPerEvent == 0) {
                return 0;
            }
            long due = timelineStart + (long) (onTimeline * nanosPerEvent);
            long lag = now - due;
            if (lag > maxLagNanos) {
                double seconds = (now - timelineStart) / 1e9;
                lastAchieved = seconds > 0 ? onTimeline / seconds : 0;
                lastSeconds = seconds;
                timelineStart = now;
                onTimeline = 0;
                resets++;
                resetPending = true;
                return 0;
            }
            return Math.max(0, -lag);
        }

        void sent(int n) {
            onTimeline += n;
        }

        /** True once after each timeline reset. */
        boolean takeReset() {
            boolean r = resetPending;
            resetPending = false;
            return r;
        }

        long resets() {
            return resets;
        }

        double lastAchievedRate() {
            return lastAchieved;
        }

        double lastTimelineSeconds() {
            return lastSeconds;
        }
    }

    // ---- event generation -----------------------------------------------------------------------

    /**
     * A reproducible stream of events: every event draws the same number of random values in
     * the same order, so the same seed gives the same users, items, types, late and invalid
     * records; with a fixed start time the timestamps (and so the bytes) are identical too.
     */
    static final class EventGenerator {
        record Options(long seed, int users, int items, double zipf, Long startMillis,
                       double rate, double lateFraction, long lateByMillis,
                       double invalidFraction) {
        }

        record Generated(String key, byte[] value, InvalidReason invalid, boolean late) {
        }

        private static final InteractionType[] TYPES = InteractionType.values();
        private static final InvalidReason[] REASONS = InvalidReason.values();
        private static final int CACHED_IDS = 200_000;

        private final Options o;
        private final SplittableRandom random;
        private final Zipf zipf;
        private final EventCodec codec = new EventCodec();
        private final String[] userIds;
        private final String[] itemIds;
        private long index;

        EventGenerator(Options o) {
            this.o = o;
            this.random = new SplittableRandom(o.seed());
            this.zipf = o.zipf() > 0 ? new Zipf(o.items(), o.zipf()) : null;
            this.userIds = o.users() <= CACHED_IDS ? ids("user_", o.users()) : null;
            this.itemIds = o.items() <= CACHED_IDS ? ids("item_", o.items()) : null;
        }

        private static String[] ids(String prefix, int n) {
            String[] a = new String[n];
            for (int i = 0; i < n; i++) {
                a[i] = prefix + (i + 1);
            }
            return a;
        }

        /** The next event; {@code wallMillis} is used only without a fixed start time. */
        Generated next(long wallMillis) {
            long i = index++;
            double kindDraw = random.nextDouble();
            int user = random.nextInt(o.users());
            int item = zipf != null ? zipf.sample(random.nextDouble()) : random.nextInt(o.items());
            InteractionType type = TYPES[random.nextInt(TYPES.length)];
            InvalidReason reason = REASONS[random.nextInt(REASONS.length)];
            int variant = random.nextInt(4);

            long ts = o.startMillis() == null ? wallMillis
                    : o.startMillis() + (o.rate() > 0 ? (long) (i * 1000.0 / o.rate()) : i);
            // Invalid and late come from one draw so that their fractions add up exactly:
            // [0, invalid) invalid, [invalid, invalid + late) late, the rest on time.
            boolean invalid = kindDraw < o.invalidFraction();
            boolean late = !invalid && kindDraw < o.invalidFraction() + o.lateFraction();
            if (late) {
                ts -= o.lateByMillis();
            }
            String userId = userIds != null ? userIds[user] : "user_" + (user + 1);
            String itemId = itemIds != null ? itemIds[item] : "item_" + (item + 1);
            if (invalid) {
                return new Generated(userId, malformed(reason, variant, userId, itemId, type, ts),
                        reason, false);
            }
            byte[] value = codec.encode(new InteractionEvent(userId, itemId, type,
                    Instant.ofEpochMilli(ts)));
            return new Generated(userId, value, null, late);
        }

        /** A record the consumer's codec rejects with exactly {@code reason}. */
        static byte[] malformed(InvalidReason reason, int variant, String user, String item,
                                InteractionType type, long ts) {
            String u = "\"" + EventCodec.USER_ID + "\":\"" + user + "\"";
            String it = "\"" + EventCodec.ITEM_ID + "\":\"" + item + "\"";
            String ty = "\"" + EventCodec.INTERACTION_TYPE + "\":\"" + type.wireName() + "\"";
            String tsText = EventCodec.formatTimestamp(Instant.ofEpochMilli(ts));
            String t = "\"" + EventCodec.TIMESTAMP + "\":\"" + tsText + "\"";
            String json = switch (reason) {
                case NOT_JSON -> switch (variant) {
                    case 0 -> "{" + u + "," + it + ","; // truncated
                    case 1 -> user + " " + type.wireName() + " " + item + " at " + tsText;
                    case 2 -> "[\"" + user + "\",\"" + item + "\"]"; // JSON, but not an object
                    default -> "{" + u + "," + it + "," + ty + "," + t + "}}"; // trailing junk
                };
                case MISSING_FIELD -> switch (variant) {
                    case 0 -> "{" + it + "," + ty + "," + t + "}";
                    case 1 -> "{" + u + "," + ty + "," + t + "}";
                    case 2 -> "{" + u + "," + it + "," + t + "}";
                    default -> "{" + u + "," + it + "," + ty + "}";
                };
                case WRONG_TYPE -> switch (variant) {
                    case 0 -> "{\"" + EventCodec.USER_ID + "\":" + user.substring(5) + ","
                            + it + "," + ty + "," + t + "}";
                    case 1 -> "{" + u + ",\"" + EventCodec.ITEM_ID + "\":[\"" + item + "\"],"
                            + ty + "," + t + "}";
                    case 2 -> "{" + u + "," + it + ",\"" + EventCodec.INTERACTION_TYPE
                            + "\":true," + t + "}";
                    default -> "{" + u + "," + it + "," + ty + ",\"" + EventCodec.TIMESTAMP
                            + "\":" + ts + "}";
                };
                case UNKNOWN_INTERACTION_TYPE -> {
                    String bogus = switch (variant) {
                        case 0 -> "hover";
                        case 1 -> type.wireName().toUpperCase(Locale.ROOT);
                        case 2 -> "";
                        default -> "share";
                    };
                    yield "{" + u + "," + it + ",\"" + EventCodec.INTERACTION_TYPE + "\":\""
                            + bogus + "\"," + t + "}";
                }
                case BAD_TIMESTAMP -> {
                    String bogus = switch (variant) {
                        case 0 -> tsText.replace('T', ' ').replace("Z", ""); // no 'T', no zone
                        case 1 -> tsText.substring(0, tsText.length() - 1); // no zone
                        case 2 -> Long.toString(ts); // epoch millis as a string
                        default -> "yesterday";
                    };
                    yield "{" + u + "," + it + "," + ty + ",\"" + EventCodec.TIMESTAMP + "\":\""
                            + bogus + "\"}";
                }
            };
            return json.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Zipf-distributed ranks 0..n-1 (rank 0 the most popular): the cumulative distribution is
     * computed once; each sample is a binary search, not a power per event.
     */
    static final class Zipf {
        static final int MAX_ITEMS = 10_000_000;
        private final double[] cdf;

        Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1.0 / Math.pow(k + 1, s);
                cdf[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cdf[k] /= sum;
            }
            cdf[n - 1] = 1.0;
        }

        /** The rank for a uniform draw {@code u} in [0, 1). */
        int sample(double u) {
            int i = Arrays.binarySearch(cdf, u);
            int rank = i >= 0 ? i + 1 : -i - 1; // first rank whose cumulative share exceeds u
            return Math.min(rank, cdf.length - 1);
        }

        double probability(int rank) {
            return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
        }
    }

    // ---- statistics -----------------------------------------------------------------------------

    /**
     * Counts in the shape of Kafka's {@code ProducerPerformance.Stats}: a window for the progress
     * lines and totals with latency percentiles, counting only acknowledged sends. Latencies go
     * into a millisecond histogram (exact percentiles at 1 ms resolution, no sampling, bounded
     * memory for unbounded runs).
     */
    static final class Stats {
        private static final int MAX_MS = 120_000;
        private final double targetRate;
        private final PrintStream err;
        private final long[] histogram = new long[MAX_MS + 1];
        private final EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
        private long startNanos;
        private long endNanos;
        private long acked;
        private long bytes;
        private long errors;
        private long totalLatencyNanos;
        private long maxLatencyNanos;
        private long windowStart;
        private long windowCount;
        private long windowErrors;
        private long windowLatencyNanos;
        private long windowMaxNanos;
        private long generated;
        private long late;
        private long resets;
        private String firstError;
        private volatile long lastAckNanos;

        Stats(double targetRate, PrintStream err) {
            this.targetRate = targetRate;
            this.err = err;
        }

        synchronized void start(long nanos) {
            startNanos = nanos;
            windowStart = nanos;
        }

        /** Called on the generating thread only. */
        void generated(EventGenerator.Generated g) {
            generated++;
            if (g.late()) {
                late++;
            }
            if (g.invalid() != null) {
                invalid.merge(g.invalid(), 1L, Long::sum);
            }
        }

        synchronized void stopGenerating(long resets) {
            this.resets = resets;
        }

        Callback callback(long sendStartNanos, int size) {
            return (RecordMetadata md, Exception e) -> completed(sendStartNanos, size, e);
        }

        synchronized void completed(long sendStartNanos, int size, Exception e) {
            long now = System.nanoTime();
            lastAckNanos = now;
            if (e != null) {
                errors++;
                windowErrors++;
                if (firstError == null) {
                    firstError = oneLine(e);
                }
                if (errors <= 5 || Long.bitCount(errors) == 1) {
                    err.println("producer: send failed (" + errors + " so far): " + oneLine(e));
                }
                return;
            }
            long lat = now - sendStartNanos;
            acked++;
            bytes += size;
            totalLatencyNanos += lat;
            maxLatencyNanos = Math.max(maxLatencyNanos, lat);
            windowCount++;
            windowLatencyNanos += lat;
            windowMaxNanos = Math.max(windowMaxNanos, lat);
            histogram[(int) Math.min(MAX_MS, TimeUnit.NANOSECONDS.toMillis(lat))]++;
        }

        synchronized String windowLine() {
            long now = System.nanoTime();
            double secs = Math.max(1e-9, (now - windowStart) / 1e9);
            String line = String.format(Locale.ROOT, "%d records sent, %.1f records/sec (target "
                            + "%s), %.1f ms avg latency, %.1f ms max latency, %d errors.",
                    windowCount, windowCount / secs, rateText(targetRate),
                    windowCount == 0 ? 0.0 : windowLatencyNanos / 1e6 / windowCount,
                    windowMaxNanos / 1e6, windowErrors);
            windowStart = now;
            windowCount = 0;
            windowErrors = 0;
            windowLatencyNanos = 0;
            windowMaxNanos = 0;
            return line;
        }

        synchronized long errors() {
            return errors;
        }

        synchronized long acked() {
            return acked;
        }

        /** The first send failure in words, or null. */
        synchronized String firstError() {
            return firstError;
        }

        /** Latency percentile in ms over acknowledged sends (0 when there are none). */
        synchronized long percentileMs(double p) {
            if (acked == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(p * acked);
            long seen = 0;
            for (int ms = 0; ms <= MAX_MS; ms++) {
                seen += histogram[ms];
                if (seen >= rank) {
                    return ms;
                }
            }
            return MAX_MS;
        }

        synchronized String summaryLine() {
            long end = lastAckNanos == 0 ? System.nanoTime() : lastAckNanos;
            double secs = Math.max(1e-9, (end - startNanos) / 1e9);
            StringBuilder inv = new StringBuilder();
            invalid.forEach((r, n) -> inv.append(inv.length() == 0 ? "" : ", ").append(r.code())
                    .append(' ').append(n));
            return String.format(Locale.ROOT, "summary: %d records sent (acknowledged), %d "
                            + "failed, %d generated in %.2f s: %.1f records/sec (target %s), %.2f "
                            + "MB/sec; latency %.2f ms avg, %d ms 50th, %d ms 95th, %d ms 99th, "
                            + "%.1f ms max; %d late, %d invalid%s; %d rate resets.",
                    acked, errors, generated, secs, acked / secs, rateText(targetRate),
                    bytes / secs / (1024.0 * 1024.0),
                    acked == 0 ? 0.0 : totalLatencyNanos / 1e6 / acked, percentileMs(0.50),
                    percentileMs(0.95), percentileMs(0.99), maxLatencyNanos / 1e6, late,
                    invalid.values().stream().mapToLong(Long::longValue).sum(),
                    inv.length() == 0 ? "" : " (" + inv + ")", resets);
        }
    }

    // ---- flag types -----------------------------------------------------------------------------

    /** Durations as 500ms, 30s, 5m, 2h, 1d, or ISO-8601 (PT30S): {@link Durations}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }

        static String format(Duration d) {
            return Durations.format(d);
        }
    }
}
