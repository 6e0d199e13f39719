package analytics.producer;

import analytics.scripts.producer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.DecodeResult;
import analytics.core.EventCodec;
import analytics.core.InvalidReason;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The producer script as a process ({@code ./jbang producer ...}) against the real broker of
 * the test stack; every test reads back its own topic with a plain Kafka consumer.
 */
@ExtendWith(StackExtension.class)
class ProducerKafkaTest {
    private static final String PRODUCER = "producer";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final EventCodec CODEC = new EventCodec();
    private static final String START = "2025-12-22T10:00:00Z";

    @Test
    void sendsExactlyCountRecordsNoneDuplicatedAllParseable(TestStack stack) {
        String topic = stack.createTopic(3);
        // A fixed start time gives every event its own millisecond: equal payloads would be
        // duplicates.
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--count", "20000", "--rate", "0", "--batch", "500",
                "--seed", "11", "--start-time", START);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.stdout().contains("summary: 20000 records sent (acknowledged), 0 failed"),
                r.output());

        List<ConsumerRecord<String, byte[]>> records = readAll(stack, topic);
        assertEquals(20000, records.size());
        Set<String> distinct = new HashSet<>();
        for (ConsumerRecord<String, byte[]> rec : records) {
            DecodeResult d = CODEC.decode(rec.value());
            assertTrue(d.isValid(), d.toString());
            assertEquals(rec.key(), d.event().userId(), "record key is the user_id");
            distinct.add(new String(rec.value(), StandardCharsets.UTF_8));
        }
        assertEquals(20000, distinct.size(), "duplicated records");
    }

    @Test
    void holdsTheTargetRateWithinTwoPercent(TestStack stack) {
        String topic = stack.createTopic(1);
        int rate = 1000;
        int batch = 10;
        int count = 10_000;
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--rate", Integer.toString(rate), "--batch",
                Integer.toString(batch), "--count", Integer.toString(count), "--seed", "3");
        assertEquals(0, r.exitCode(), r.output());

        List<ConsumerRecord<String, byte[]>> records = readAll(stack, topic);
        assertEquals(count, records.size());
        // Batches of 10 leave on a timeline at 0, 10 ms, 20 ms, ...: the first event of the first
        // batch and the first of the last batch are (count - batch) events apart.
        long firstEvent = Long.MAX_VALUE;
        long lastBatchEvent = Long.MIN_VALUE;
        long firstCreate = Long.MAX_VALUE;
        long lastCreate = Long.MIN_VALUE;
        for (ConsumerRecord<String, byte[]> rec : records) {
            long t = CODEC.decode(rec.value()).event().epochMillis();
            firstEvent = Math.min(firstEvent, t);
            lastBatchEvent = Math.max(lastBatchEvent, t);
            firstCreate = Math.min(firstCreate, rec.timestamp());
            lastCreate = Math.max(lastCreate, rec.timestamp());
        }
        double byEventTime = (count - batch) * 1000.0 / (lastBatchEvent - firstEvent);
        double byRecordTime = (count - batch) * 1000.0 / (lastCreate - firstCreate);
        assertEquals(rate, byEventTime, rate * 0.02, r.output());
        assertEquals(rate, byRecordTime, rate * 0.02, r.output());
        assertTrue(r.stdout().contains("records/sec (target 1000/s)"), r.output());
    }

    @Test
    void waitsForABrokerThatComesUpLate(TestStack stack) throws Exception {
        // The "late broker" is a TCP relay to the stack's broker on a port that stays closed
        // until the producer has reported that it is waiting: the client only ever sees the
        // bootstrap address go from refusing connections to answering.
        int port = StackExtension.freePort();
        String lateBroker = "localhost:" + port;
        String topic = stack.createTopic(1);
        try (Scripts.Running p = Scripts.start(PRODUCER, "--broker", lateBroker, "--topic", topic,
                "--count", "200", "--rate", "0", "--connect-timeout", "90s")) {
            awaitOutput(p, s -> s.contains("waiting for Kafka at " + lateBroker),
                    Duration.ofMinutes(2));
            try (Relay relay = new Relay(port, stack.kafkaBootstrap())) {
                Scripts.Result r = p.await(RUN_TIMEOUT);
                assertEquals(0, r.exitCode(), r.output());
                assertTrue(r.stderr().contains("(attempt 1:"), r.output());
                assertTrue(r.stdout().contains("connected to " + lateBroker), r.output());
            }
        }
        assertEquals(200, readAll(stack, topic).size());
    }

    @Test
    void givesUpWithExit3WhenTheBrokerNeverComes() {
        String nowhere = "localhost:" + StackExtension.freePort();
        long start = System.nanoTime();
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, "--broker", nowhere,
                "--connect-timeout", "4s", "--count", "10");
        assertEquals(3, r.exitCode(), r.output());
        assertTrue(r.stderr().contains("waiting for Kafka at " + nowhere), r.output());
        assertTrue(r.stderr().contains("Kafka at " + nowhere + " not reachable within 4s"),
                r.output());
        assertFalse(r.stderr().contains("Exception"), r.output());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(90));
    }

    @Test
    void sameSeedGivesTheSameStream(TestStack stack) {
        String[] common = {"--count", "3000", "--rate", "0", "--batch", "100", "--start-time",
            START, "--zipf", "1.1", "--late-fraction", "0.1", "--invalid-fraction", "0.05"};
        List<String> first = produceAndRead(stack, "42", common);
        List<String> second = produceAndRead(stack, "42", common);
        List<String> other = produceAndRead(stack, "43", common);
        assertEquals(3000, first.size());
        assertEquals(first, second);
        assertNotEquals(first, other);
    }

    private static List<String> produceAndRead(TestStack stack, String seed, String[] common) {
        String topic = stack.createTopic(1);
        List<String> args = new ArrayList<>(List.of("--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--seed", seed));
        args.addAll(List.of(common));
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.output());
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> rec : readAll(stack, topic)) {
            out.add(rec.key() + " " + new String(rec.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void invalidAndLateRecordsMatchTheSummaryReasonByReason(TestStack stack) {
        String topic = stack.createTopic(2);
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--count", "5000", "--rate", "0", "--invalid-fraction", "0.2",
                "--late-fraction", "0.1", "--late-by", "15m");
        assertEquals(0, r.exitCode(), r.output());

        Map<InvalidReason, Integer> seen = new EnumMap<>(InvalidReason.class);
        int late = 0;
        for (ConsumerRecord<String, byte[]> rec : readAll(stack, topic)) {
            DecodeResult d = CODEC.decode(rec.value());
            if (!d.isValid()) {
                seen.merge(d.reason(), 1, Integer::sum);
            } else if (rec.timestamp() - d.event().epochMillis()
                    > Duration.ofMinutes(14).toMillis()) {
                late++;
            }
        }
        assertEquals(InvalidReason.values().length, seen.size(), seen.toString());
        Matcher m = Pattern.compile("(\\d+) late, (\\d+) invalid \\(([^)]*)\\)")
                .matcher(r.stdout());
        assertTrue(m.find(), r.output());
        assertEquals(Integer.parseInt(m.group(1)), late);
        assertEquals(Integer.parseInt(m.group(2)),
                seen.values().stream().mapToInt(Integer::intValue).sum());
        for (InvalidReason reason : InvalidReason.values()) {
            assertTrue(m.group(3).contains(reason.code() + " " + seen.get(reason)),
                    reason + " " + seen + " vs " + m.group(3));
        }
        assertEquals(1000, seen.values().stream().mapToInt(Integer::intValue).sum(), 120);
        assertEquals(500, late, 90);
    }

    @Test
    void sigtermFlushesAcceptedRecordsAndPrintsTheSummary(TestStack stack) {
        String topic = stack.createTopic(1);
        Scripts.Result r;
        try (Scripts.Running p = Scripts.start(PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--rate", "2000", "--report-interval", "1s")) {
            awaitOutput(p, s -> s.contains("records/sec (target 2000/s)"), Duration.ofMinutes(2));
            r = p.terminate(Duration.ofMinutes(1));
        }
        // Handled, not a JVM exit by signal (143): the run ends like a bounded one.
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.stderr().contains("stop requested; flushing what was accepted"), r.output());
        Matcher m = Pattern.compile("summary: (\\d+) records sent \\(acknowledged\\), 0 failed")
                .matcher(r.stdout());
        assertTrue(m.find(), r.output());
        long acked = Long.parseLong(m.group(1));
        assertTrue(acked > 0, r.output());
        assertEquals(acked, readAll(stack, topic).size(), "every acknowledged record is there");
    }

    @Test
    void aSecondStopRequestQuitsAtOnce(TestStack stack) throws Exception {
        // A quota of 1 KiB/s for this client: the broker throttles it, so the flush of what
        // --rate 0 buffered would take minutes (up to --close-timeout) after the first stop.
        String topic = stack.createTopic(1);
        String clientId = "slow-" + topic;
        quota(stack, clientId, 1024.0);
        Scripts.Result r;
        long secondStop;
        try (Scripts.Running p = Scripts.start(PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--rate", "0", "--report-interval", "1s",
                "--close-timeout", "2m", "-X", "client.id=" + clientId)) {
            awaitOutput(p, s -> s.contains("records/sec (target unlimited)"),
                    Duration.ofMinutes(2));
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2)); // a backlog builds up
            signal(p, "TERM");
            awaitOutput(p, s -> s.contains("stop requested"), Duration.ofSeconds(30));
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
            assertTrue(p.process().isAlive(), "still flushing\n" + p.stdout() + p.stderr());
            secondStop = System.nanoTime();
            signal(p, "TERM");
            r = p.await(Duration.ofMinutes(1));
        } finally {
            quota(stack, clientId, null);
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - secondStop);
        assertEquals(143, r.exitCode(), r.output());
        assertTrue(tookMs < 15_000, tookMs + " ms\n" + r.output());
        assertTrue(r.stderr().contains("quitting without waiting for outstanding sends"),
                r.output());
    }

    @Test
    void aStopWhileWaitingForTheBrokerExitsWithTheSignalsCode() {
        String nowhere = "localhost:" + StackExtension.freePort();
        Scripts.Result r;
        try (Scripts.Running p = Scripts.start(PRODUCER, "--broker", nowhere,
                "--connect-timeout", "2m", "--count", "10")) {
            awaitOutput(p, s -> s.contains("waiting for Kafka at " + nowhere),
                    Duration.ofMinutes(1));
            r = p.terminate(Duration.ofSeconds(30));
        }
        assertEquals(143, r.exitCode(), r.output());
        assertTrue(r.stderr().contains("stopped while waiting for the broker"), r.output());
        assertFalse(r.stdout().contains("summary:"), r.output());
    }

    @Test
    void undeliverableRecordsExit1AndTheLastLineNamesTheFirstError(TestStack stack) {
        String topic = stack.createTopic(1);
        // Every record (~190 bytes as a batch) exceeds the request size: each send fails.
        Scripts.Result r = Scripts.run(RUN_TIMEOUT, PRODUCER, "--broker", stack.kafkaBootstrap(),
                "--topic", topic, "--count", "20", "--rate", "0", "-X", "max.request.size=100");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.stdout().contains("summary: 0 records sent (acknowledged), 20 failed"),
                r.output());
        List<String> errLines = r.stderr().strip().lines().toList();
        String last = errLines.get(errLines.size() - 1);
        assertTrue(last.startsWith("producer: 20 records could not be delivered (first error: "),
                r.output());
        assertTrue(last.contains("max.request.size"), r.output());
        assertTrue(r.stderr().contains("producer: send failed (1 so far): "), r.output());
        assertEquals(0, readAll(stack, topic).size());
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Sets (or, with null, removes) the producer byte-rate quota of a client id. */
    static void quota(TestStack stack, String clientId, Double bytesPerSecond) throws Exception {
        var entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
        stack.admin().alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(
                new ClientQuotaAlteration.Op("producer_byte_rate", bytesPerSecond)))))
                .all().get(30, TimeUnit.SECONDS);
    }

    /** Sends a signal (e.g. "TERM") to the script's process. */
    static void signal(Scripts.Running p, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
                .inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + p.pid());
    }

    /** Every record of the topic, partition by partition in offset order. */
    static List<ConsumerRecord<String, byte[]>> readAll(TestStack stack, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Only committed data: the producer is not transactional, so this is everything acked.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            out.sort((a, b) -> a.partition() != b.partition()
                    ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()));
            return out;
        }
    }

    /** Waits until the process's output (stdout + stderr) satisfies the condition. */
    static void awaitOutput(Scripts.Running p, Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(p.stdout() + p.stderr())) {
            if (!p.process().isAlive()) {
                throw new AssertionError("process ended early\n" + p.stdout() + p.stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no expected output within " + timeout + "\n"
                        + p.stdout() + p.stderr());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** A TCP relay from a local port to a broker, byte for byte, until closed. */
    static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new ArrayList<>();

        Relay(int port, String target) throws IOException {
            String[] hp = target.split(",")[0].split(":");
            InetSocketAddress to = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("localhost", port));
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept();
                        Socket out = new Socket(to.getHostString(), to.getPort());
                        synchronized (sockets) {
                            sockets.add(in);
                            sockets.add(out);
                        }
                        pump(in, out);
                        pump(out, in);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        private static void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream();
                     OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // connection closed
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
