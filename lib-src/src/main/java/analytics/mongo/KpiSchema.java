package analytics.mongo;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

/**
 * The MongoDB schema of {@code kpi_db}: field names and the indexes the consumer creates at
 * start (idempotent: creating an existing index is a no-op). Keeps to the subset MongoDB,
 * FerretDB and mongo-java-server share (docs/mongodb.md): single-field, compound and unique
 * indexes only.
 */
public final class KpiSchema {
    private KpiSchema() {
    }

    // Aggregates (user_interactions, item_interactions)
    public static final String TOTAL = "total_interactions";
    public static final String WINDOW_START = "window_start";
    public static final String WINDOW_END = "window_end";

    // invalid_events
    public static final String INVALID_COLLECTION = "invalid_events";
    public static final String TOPIC = "topic";
    public static final String PARTITION = "partition";
    public static final String OFFSET = "offset";
    public static final String REASON = "reason";
    public static final String DETAIL = "detail";
    public static final String PAYLOAD = "payload";
    public static final String PAYLOAD_BYTES = "payload_bytes";
    public static final String KAFKA_TIMESTAMP = "kafka_timestamp";

    // pipeline_progress
    public static final String PROGRESS_COLLECTION = "pipeline_progress";
    public static final String TIMESTAMP = "timestamp";
    public static final String BATCH_ID = "batch_id";

    /** Name of the unique index that makes the upserts idempotent. */
    public static final String UNIQUE_WINDOW_INDEX = "key_window_unique";

    /**
     * Creates every index: per aggregate the unique {@code (key, window_start, window_end)}
     * (before the first write: without it upserts scan), {@code (window_start, window_end)} for
     * "latest window" queries and {@code total_interactions} descending for top-N; the unique
     * Kafka coordinates of dead letters and their reason; the progress time.
     */
    public static void ensureIndexes(MongoDatabase db) {
        for (Aggregate a : Aggregate.values()) {
            var c = db.getCollection(a.collection());
            c.createIndex(Indexes.ascending(a.keyField(), WINDOW_START, WINDOW_END),
                    new IndexOptions().unique(true).name(UNIQUE_WINDOW_INDEX));
            c.createIndex(Indexes.ascending(WINDOW_START, WINDOW_END),
                    new IndexOptions().name("window"));
            c.createIndex(Indexes.descending(TOTAL), new IndexOptions().name("total_desc"));
        }
        var invalid = db.getCollection(INVALID_COLLECTION);
        invalid.createIndex(Indexes.ascending(TOPIC, PARTITION, OFFSET),
                new IndexOptions().unique(true).name("kafka_coordinates_unique"));
        invalid.createIndex(Indexes.ascending(REASON), new IndexOptions().name("reason"));
        db.getCollection(PROGRESS_COLLECTION).createIndex(Indexes.descending(TIMESTAMP),
                new IndexOptions().name("timestamp_desc"));
    }
}
