///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Generates user interaction events and publishes them to Kafka at a steady rate
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.apache.kafka:kafka-clients:4.1.1
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//DEPS org.slf4j:slf4j-api:2.0.17
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/cli/*.java
//SOURCES ../lib-src/src/main/java/analytics/generate/*.java
//SOURCES ../lib-src/src/main/java/analytics/kafka/*.java

package analytics.scripts;

import analytics.cli.Cli;
import analytics.cli.KafkaClientOptions;
import analytics.core.Backoff;
import analytics.core.Brokers;
import analytics.core.ClientProperties;
import analytics.core.Defaults;
import analytics.core.Durations;
import analytics.core.EventCodec;
import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Names;
import analytics.core.Secrets;
import analytics.core.StopSignals;
import analytics.generate.EventGenerator;
import analytics.generate.Pacer;
import analytics.generate.Zipf;
import analytics.kafka.KafkaProbe;
import analytics.kafka.SendStats;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
@Command(name = "producer", mixinStandardHelpOptions = true,
        versionProvider = Cli.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Generates user interaction events (JSON, key = user_id) and publishes "
                + "them to a Kafka topic at a steady rate.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:all records acknowledged (also when stopped by Ctrl-C / SIGTERM)",
            "1:some records could not be delivered, or a runtime error",
            "2:invalid command line or Kafka client setting",
            "3:unreachable: no broker answered within --connect-timeout, or it refused us",
            "130/143:Ctrl-C / SIGTERM before the broker answered, or a second one"})
public class producer implements Callable<Integer> {

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

    @Option(names = "--duration", paramLabel = "TIME", converter = Cli.DurationConverter.class,
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
            converter = Cli.DurationConverter.class,
            description = "How far late events lag behind, e.g. 90s, 15m "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration lateBy;

    @Option(names = "--invalid-fraction", paramLabel = "F", defaultValue = "0",
            description = "Fraction 0..1 of malformed records, evenly spread over the kinds the "
                    + "consumer rejects: not JSON, missing field, wrong type, unknown "
                    + "interaction_type, bad timestamp (default: ${DEFAULT-VALUE}).")
    double invalidFraction;

    // ---- Kafka client ------------------------------------------------------------------------

    /** --kafka-config FILE and -X KEY=VALUE, as the consumer takes them. */
    @Mixin
    KafkaClientOptions kafkaOptions;

    @Option(names = "--connect-timeout", paramLabel = "TIME", defaultValue = "60s",
            converter = Cli.DurationConverter.class,
            description = "How long to wait for the broker at start (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--close-timeout", paramLabel = "TIME", defaultValue = "30s",
            converter = Cli.DurationConverter.class,
            description = "How long to wait at the end for outstanding sends to be acknowledged "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration closeTimeout;

    @Option(names = "--report-interval", paramLabel = "TIME", defaultValue = "5s",
            converter = Cli.DurationConverter.class,
            description = "Interval of the progress lines (default: ${DEFAULT-VALUE}).")
    Duration reportInterval;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with the project's conventions ({@link Cli#commandLine}). */
    public static CommandLine commandLine() {
        return Cli.commandLine(new producer(), "producer");
    }

    @Override
    public Integer call() {
        Cli.warnBareDurations(spec.commandLine().getParseResult(), "producer",
                spec.commandLine().getErr());
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
    public record Settings(String broker, String topic, double rate, int batch, long count,
                    Duration duration, EventGenerator.Options events, Properties kafka,
                    Duration connectTimeout, Duration closeTimeout, Duration reportInterval) {
    }

    /** Checks every flag; throws a {@link ParameterException} naming the first bad one. */
    public Settings validate() {
        CommandLine cl = spec.commandLine();
        if (broker == null || broker.isBlank()) {
            throw new ParameterException(cl, "--broker must not be empty");
        }
        Cli.check(cl, "--broker", Brokers.problem(broker));
        Cli.check(cl, "--topic", Names.topicProblem(topic));
        Cli.require(cl, rate >= 0 && !Double.isInfinite(rate), "--rate", rate,
                "must be >= 0 messages per second (0 = unlimited)");
        Cli.require(cl, batch >= 1, "--batch", batch, "must be at least 1 message");
        Cli.require(cl, count >= 0, "--count", count, "must be >= 0 (0 = no limit)");
        Cli.require(cl, duration == null || duration.compareTo(Duration.ZERO) > 0, "--duration",
                duration, "must be positive");
        Cli.require(cl, users >= 1, "--users", users, "must be at least 1");
        Cli.require(cl, items >= 1, "--items", items, "must be at least 1");
        Cli.require(cl, zipf >= 0 && zipf <= 10, "--zipf", zipf,
                "must be between 0 (uniform) and 10");
        Cli.require(cl, zipf == 0 || items <= Zipf.MAX_ITEMS, "--items", items,
                "must be at most " + Zipf.MAX_ITEMS + " with --zipf");
        String fraction = "must be a fraction between 0 and 1";
        Cli.require(cl, lateFraction >= 0 && lateFraction <= 1, "--late-fraction", lateFraction,
                fraction);
        Cli.require(cl, invalidFraction >= 0 && invalidFraction <= 1, "--invalid-fraction",
                invalidFraction, fraction);
        if (lateFraction + invalidFraction > 1.0) {
            throw new ParameterException(cl, "--late-fraction + --invalid-fraction must not "
                    + "exceed 1, got " + (lateFraction + invalidFraction));
        }
        Cli.require(cl, lateBy.compareTo(Duration.ZERO) > 0, "--late-by", lateBy,
                "must be positive");
        Cli.require(cl, connectTimeout.compareTo(Duration.ZERO) > 0, "--connect-timeout",
                connectTimeout, "must be positive");
        Cli.require(cl, !closeTimeout.isNegative(), "--close-timeout", closeTimeout,
                "must not be negative");
        Cli.require(cl, reportInterval.compareTo(Duration.ofMillis(100)) >= 0,
                "--report-interval", reportInterval, "must be at least 100ms");
        Long startMillis = null;
        if (startTime != null) {
            try {
                startMillis = EventCodec.parseTimestamp(startTime).toEpochMilli();
            } catch (RuntimeException e) {
                throw Cli.invalid(cl, "--start-time", startTime,
                        "is not an ISO-8601 instant such as 2025-12-22T10:00:00Z");
            }
        }
        long effectiveSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        var events = new EventGenerator.Options(effectiveSeed, users, items, zipf, startMillis,
                rate, lateFraction, lateBy.toMillis(), invalidFraction);
        Properties user;
        try {
            user = kafkaOptions.load(ProducerConfig.configNames(), "Kafka producer", OWNED);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
        Properties props = clientConfig(broker, user);
        try {
            // Validates types, ranges and combinations (e.g. acks=1 with idempotence) up front,
            // before anything connects.
            new ProducerConfig(props);
        } catch (ConfigException e) {
            throw new ParameterException(cl, "Invalid Kafka setting (" + kafkaOptions.source()
                    + "): "
                    + Secrets.mask(e.getMessage()));
        }
        return new Settings(broker, topic, rate, batch, count, duration, events, props,
                connectTimeout, closeTimeout, reportInterval);
    }

    // ---- Kafka client configuration -------------------------------------------------------------

    /**
     * The producer configuration: the built-in delivery settings, then the user's (the file of
     * {@code --kafka-config}, then {@code -X}); the {@link #OWNED} settings are the script's,
     * whatever the user says ({@link #validate} refuses them there).
     */
    public static Properties clientConfig(String broker, Properties user) {
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
        p.putAll(user);
        // Fixed by the script: every message names --broker; keys are user ids, values the
        // codec's UTF-8 JSON bytes.
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    // ---- the run ------------------------------------------------------------------------------

    /** One execution: connect, send on a timeline, flush, summarise. */
    static final class Run {
        private final Settings s;
        private final PrintStream out;
        private final PrintStream err;
        private final SendStats stats;
        private final AtomicBoolean stopRequested = new AtomicBoolean();
        private final CountDownLatch generationDone = new CountDownLatch(1);
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile Thread runner;
        private volatile boolean summaryPrinted;
        /** Exit code of a stop before the broker answered (nothing was sent). */
        private volatile int stopExit = ExitCode.FAILED;

        Run(Settings s, PrintStream out, PrintStream err) {
            this.s = s;
            this.out = out;
            this.err = err;
            this.stats = new SendStats(s.rate(), err);
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
                            + "seed %d%n", s.topic(), s.broker(), SendStats.rateText(s.rate()),
                    s.batch(), boundText(), s.events().seed());
            out.println("producer: kafka settings: " + ClientProperties.describe(s.kafka()));
            Optional<KafkaProbe.Cluster> cluster;
            // The producer's own connection and security settings, one attempt at a time.
            try (KafkaProbe probe = new KafkaProbe(ClientProperties.connection(s.kafka()),
                    s.broker(), err, "producer: ")) {
                cluster = probe.awaitCluster(Backoff.STANDARD.within(s.connectTimeout()),
                        stopRequested::get);
            } catch (Failures.UserFacing e) {
                err.println("producer: " + e.getMessage());
                return e.exitCode();
            }
            if (cluster.isEmpty()) {
                err.println("producer: stopped while waiting for the broker");
                return stopExit;
            }
            KafkaProducer<String, byte[]> producer;
            try {
                producer = new KafkaProducer<>(s.kafka());
            } catch (KafkaException e) {
                err.println("producer: cannot create the Kafka producer: " + Failures.message(e));
                return ExitCode.USAGE;
            }
            int code = ExitCode.DONE;
            try {
                List<PartitionInfo> parts = producer.partitionsFor(s.topic());
                out.printf(Locale.ROOT, "producer: connected to %s (cluster %s, %d broker(s)); "
                                + "topic '%s' has %d partition(s)%n", s.broker(),
                        cluster.get().id(), cluster.get().nodes(), s.topic(), parts.size());
                code = produce(producer);
            } catch (InterruptException e) {
                Thread.interrupted();
            } catch (KafkaException e) {
                err.println("producer: " + Failures.message(e));
                code = ExitCode.FAILED;
            } finally {
                generationDone.countDown();
                Thread.interrupted(); // a stop request may have interrupted a blocked send
                // close() waits for outstanding sends up to the bound, then fails the rest
                // (they count as errors): everything accepted is flushed or reported.
                try {
                    producer.close(s.closeTimeout());
                } catch (KafkaException e) {
                    err.println("producer: while closing: " + Failures.message(e));
                }
            }
            printSummary();
            long failed = stats.errors();
            if (failed > 0) {
                err.println("producer: " + failed + (failed == 1 ? " record" : " records")
                        + " could not be delivered (first error: " + stats.firstError() + ")");
                if (code == ExitCode.DONE) {
                    code = ExitCode.FAILED;
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
                b.add(Durations.format(s.duration()));
            }
            return b.isEmpty() ? "until stopped" : "stop after " + String.join(" or ", b);
        }

        /** Generates and sends until a bound is reached or a stop is requested. */
        private int produce(KafkaProducer<String, byte[]> producer) {
            EventGenerator gen = new EventGenerator(s.events());
            long start = System.nanoTime();
            long end = s.duration() == null ? Long.MAX_VALUE : start + s.duration().toNanos();
            long limit = s.count() > 0 ? s.count() : Long.MAX_VALUE;
            Pacer pacer = new Pacer(s.rate(), start, MAX_LAG_NANOS);
            stats.start(start);
            var reporter = Executors.newSingleThreadScheduledExecutor(r -> {
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
                    if (pacer.takeReset() && (lastLagWarning == Long.MIN_VALUE
                            || now - lastLagWarning >= s.reportInterval().toNanos())) {
                        err.printf(Locale.ROOT, "producer: broker cannot keep up: achieved "
                                        + "%.1f/s of target %s over the last %.1f s%n",
                                pacer.lastAchievedRate(), SendStats.rateText(s.rate()),
                                pacer.lastTimelineSeconds());
                        lastLagWarning = now;
                    }
                    if (wait > 0) {
                        LockSupport.parkNanos(this, Math.min(wait, end - now));
                        continue;
                    }
                    int n = (int) Math.min(s.batch(), limit - generated);
                    for (int i = 0; i < n; i++) {
                        EventGenerator.Generated g = gen.next(System.currentTimeMillis());
                        stats.generated(g.invalid(), g.late());
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
            return ExitCode.DONE;
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
            stop(ExitCode.FAILED);
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
}
