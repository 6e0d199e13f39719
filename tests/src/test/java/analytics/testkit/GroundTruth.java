package analytics.testkit;

import analytics.core.DecodeResult;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Independent ground truth for the consumer's tests: the window counts of every aggregate
 * recomputed straight from a topic with a plain {@link KafkaConsumer}, {@link EventCodec} and
 * {@link Windows}, no Spark. It reads every record that is in the topic when it is called, and
 * ignores watermarks (tests that exercise late data account for them explicitly).
 */
public final class GroundTruth {
    private final Map<Aggregate, Map<WindowKey, Integer>> counts;
    private final List<InteractionEvent> events;
    private final int invalid;

    private GroundTruth(Map<Aggregate, Map<WindowKey, Integer>> counts,
                        List<InteractionEvent> events, int invalid) {
        this.counts = Collections.unmodifiableMap(counts);
        this.events = Collections.unmodifiableList(events);
        this.invalid = invalid;
    }

    /** One aggregate's counts by window. */
    public Map<WindowKey, Integer> of(Aggregate a) {
        return Collections.unmodifiableMap(counts.get(a));
    }

    /** Per-user counts by window. */
    public Map<WindowKey, Integer> users() {
        return of(Aggregate.USER);
    }

    /** Per-item counts by window. */
    public Map<WindowKey, Integer> items() {
        return of(Aggregate.ITEM);
    }

    /** The valid events, in topic order per partition. */
    public List<InteractionEvent> events() {
        return events;
    }

    /** How many records the codec rejected. */
    public int invalid() {
        return invalid;
    }

    /** Reads the whole topic (every partition, up to its current end) and counts. */
    public static GroundTruth fromTopic(String bootstrap, String topic, Windows windows) {
        return of(readAll(bootstrap, topic), windows);
    }

    /** Counts the given payloads, as the consumer would if none were late. */
    public static GroundTruth of(Iterable<byte[]> payloads, Windows windows) {
        return of(payloads, windows, e -> true);
    }

    /** Counts the given payloads whose decoded event passes {@code keep}. */
    public static GroundTruth of(Iterable<byte[]> payloads, Windows windows,
                                 java.util.function.Predicate<InteractionEvent> keep) {
        EventCodec codec = new EventCodec();
        Map<Aggregate, Map<WindowKey, Integer>> counts = new EnumMap<>(Aggregate.class);
        for (Aggregate a : Aggregate.values()) {
            counts.put(a, new HashMap<>());
        }
        List<InteractionEvent> events = new ArrayList<>();
        int invalid = 0;
        for (byte[] payload : payloads) {
            DecodeResult r = codec.decode(payload);
            if (!r.isValid()) {
                invalid++;
                continue;
            }
            InteractionEvent e = r.event();
            if (!keep.test(e)) {
                continue;
            }
            events.add(e);
            for (long start : windows.starts(e.epochMillis())) {
                Instant s = Instant.ofEpochMilli(start);
                Instant end = Instant.ofEpochMilli(windows.end(start));
                for (Aggregate a : Aggregate.values()) {
                    counts.get(a).merge(new WindowKey(a.keyOf(e), s, end), 1, Integer::sum);
                }
            }
        }
        return new GroundTruth(counts, events, invalid);
    }

    /** Every record value in the topic up to the end offsets seen at the start of the call. */
    public static List<byte[]> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        // Read what producers committed with idempotence/transactions only.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            List<TopicPartition> parts = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .collect(Collectors.toList());
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ground truth: could not read " + topic
                            + " to its end offsets " + end + " within 2 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        out.add(r.value());
                    }
                }
            }
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Windows matching the consumer's defaults; convenience for tests. */
    public static Windows windows(Duration window, Duration slide) {
        return new Windows(window, slide);
    }
}
