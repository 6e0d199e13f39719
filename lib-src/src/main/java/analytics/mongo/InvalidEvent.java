package analytics.mongo;

import org.bson.Document;
import org.bson.conversions.Bson;

import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * A record the consumer could not read as an event (the dead letter), keyed by its Kafka
 * coordinates so that storing it again (a replayed micro-batch) changes nothing:
 * {@code {topic, partition, offset, reason, detail, payload, payload_bytes, kafka_timestamp}}.
 * Only deterministic fields are stored, for the same reason.
 */
public record InvalidEvent(String topic, int partition, long offset, String reason,
                           String detail, String payload, int payloadBytes,
                           long kafkaTimestampMillis) {

    /** Payloads are cut to this many characters (an ellipsis marks the cut). */
    public static final int MAX_PAYLOAD_CHARS = 1000;

    /** Builds one from the raw record; the payload is decoded leniently and truncated. */
    public static InvalidEvent of(String topic, int partition, long offset, String reason,
                                  String detail, byte[] value, long kafkaTimestampMillis) {
        String text = value == null ? "" : new String(value, StandardCharsets.UTF_8);
        if (text.length() > MAX_PAYLOAD_CHARS) {
            text = text.substring(0, MAX_PAYLOAD_CHARS) + "…";
        }
        // Keys must not hold NUL on some servers; payloads may: replace it.
        text = text.replace('\u0000', '\uFFFD');
        return new InvalidEvent(topic, partition, offset, reason, detail, text,
                value == null ? 0 : value.length, kafkaTimestampMillis);
    }

    /** {@code <topic>/<partition>/<offset>}: upserts find it by primary key (see WindowCount). */
    public String id() {
        return topic + "/" + partition + "/" + offset;
    }

    public Document toDocument() {
        return new Document("_id", id())
                .append(KpiSchema.TOPIC, topic)
                .append(KpiSchema.PARTITION, partition)
                .append(KpiSchema.OFFSET, offset)
                .append(KpiSchema.REASON, reason)
                .append(KpiSchema.DETAIL, detail)
                .append(KpiSchema.PAYLOAD, payload)
                .append(KpiSchema.PAYLOAD_BYTES, payloadBytes)
                .append(KpiSchema.KAFKA_TIMESTAMP, new Date(kafkaTimestampMillis));
    }

    public Bson filter() {
        return new Document("_id", id());
    }
}
