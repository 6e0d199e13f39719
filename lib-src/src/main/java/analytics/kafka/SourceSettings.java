package analytics.kafka;

import analytics.core.Secrets;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka consumer settings of the consumer's Spark source: the built-in ones, then the
 * user's ({@code --kafka-config}, then {@code -X}), checked by Kafka's own parser before
 * anything starts (Spark would fail later, deep in a task).
 */
public final class SourceSettings {
    private SourceSettings() {
    }

    /**
     * Built in, before the user's settings. Spark's source asks the broker for the partition's
     * first and last offsets after every poll, which also drops what the client had
     * prefetched: at Kafka's default of 500 records a poll, a 1M-record batch made 2,000 polls,
     * each refetching up to 1 MiB. At 10,000 a poll the reading stage of 1M records took
     * 5.6-6.1 s instead of 7.8-8.2 s (bench/RESULTS.md).
     */
    public static final Map<String, String> DEFAULTS = Map.of("max.poll.records", "10000");

    /** Settings Spark's source or the consumer decide; the reason names the flag to use. */
    public static final Map<String, String> OWNED = Map.of(
            "bootstrap.servers", "use --brokers",
            "auto.offset.reset", "use --starting-offsets (the checkpoint keeps the position)",
            "enable.auto.commit", "offsets live in the checkpoint, not in Kafka",
            "key.deserializer", "Spark's source reads raw bytes",
            "value.deserializer", "Spark's source reads raw bytes",
            "interceptor.classes", "Spark's source does not support it");

    /**
     * {@link #DEFAULTS}, then {@code user}; sorted.
     *
     * @param source where {@code user} came from, for the error ("-X/--kafka-config")
     * @throws IllegalArgumentException when Kafka refuses the combination, masked
     */
    public static Map<String, String> of(Properties user, String source) {
        Map<String, String> m = new TreeMap<>(DEFAULTS);
        for (String key : user.stringPropertyNames()) {
            m.put(key, user.getProperty(key));
        }
        Properties check = new Properties();
        check.putAll(m);
        check.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        check.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        check.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try {
            new ConsumerConfig(check);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid Kafka setting (" + source + "): "
                    + Secrets.mask(e.getMessage()));
        }
        return Collections.unmodifiableMap(m);
    }
}
