package analytics.mongo;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.Document;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;

/**
 * One micro-batch of the consumer, as printed and as kept in {@code pipeline_progress}.
 * Lag is in Kafka offsets behind the latest (-1 when the source did not report it); late rows
 * are the aggregation rows Spark dropped as behind the watermark; the newest event's age is the
 * time from the latest event time of the batch to the batch's end, when its count became
 * visible (-1 for a batch without events): the freshness of a live stream, which offsets alone
 * cannot show when every batch takes all that arrived.
 */
public record ProgressRecord(String runId, long batchId, long timestampMillis, long inputRows,
                             double inputRowsPerSecond, double processedRowsPerSecond,
                             long maxOffsetsBehindLatest, double avgOffsetsBehindLatest,
                             long durationMs, long invalid, long lateRows, long documentsWritten,
                             long newestEventAgeMs, String watermark) {

    /** {@code pipeline_progress} keeps this many documents: a ring of slots by batch id. */
    public static final int RETAINED = 1000;

    // The stored field names: written by toDocument, read by fromDocument (the reports).
    public static final String RUN_ID = "run_id";
    public static final String BATCH_ID = KpiSchema.BATCH_ID;
    public static final String TIMESTAMP = KpiSchema.TIMESTAMP;
    public static final String INPUT_ROWS = "input_rows";
    public static final String INPUT_ROWS_PER_SECOND = "input_rows_per_second";
    public static final String PROCESSED_ROWS_PER_SECOND = "processed_rows_per_second";
    public static final String MAX_OFFSETS_BEHIND_LATEST = "max_offsets_behind_latest";
    public static final String AVG_OFFSETS_BEHIND_LATEST = "avg_offsets_behind_latest";
    public static final String DURATION_MS = "duration_ms";
    public static final String INVALID = "invalid";
    public static final String LATE_ROWS = "late_rows";
    public static final String DOCUMENTS_WRITTEN = "documents_written";
    public static final String NEWEST_EVENT_AGE_MS = "newest_event_age_ms";
    public static final String WATERMARK = "watermark";

    /** The progress line, e.g. {@code batch 3: 5000 rows, 812.3 rows/s in, ...}. */
    public String line() {
        return String.format(Locale.ROOT,
                "batch %d: %d rows, %s rows/s in, %s rows/s processed, lag %s offsets "
                        + "(max/avg per partition), %d ms, %d invalid, %d late, %d docs written, "
                        + "newest event %s old, watermark %s",
                batchId, inputRows, rate(inputRowsPerSecond), rate(processedRowsPerSecond),
                maxOffsetsBehindLatest < 0 ? "?" : maxOffsetsBehindLatest + "/"
                        + String.format(Locale.ROOT, "%.0f", avgOffsetsBehindLatest),
                durationMs, invalid, lateRows, documentsWritten,
                age(newestEventAgeMs), watermark);
    }

    /** A rate as shown to people, e.g. {@code 812.3}; {@code ?} when unknown (NaN). */
    public static String rate(double perSecond) {
        return Double.isNaN(perSecond) ? "?" : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    /** An age in milliseconds as shown to people, e.g. {@code 1.6 s}; {@code ?} when unknown. */
    public static String age(long ms) {
        return ms < 0 ? "?" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    public Document toDocument() {
        return new Document("_id", slot())
                .append(RUN_ID, runId)
                .append(BATCH_ID, batchId)
                .append(TIMESTAMP, new Date(timestampMillis))
                .append(INPUT_ROWS, inputRows)
                .append(INPUT_ROWS_PER_SECOND, finite(inputRowsPerSecond))
                .append(PROCESSED_ROWS_PER_SECOND, finite(processedRowsPerSecond))
                .append(MAX_OFFSETS_BEHIND_LATEST, maxOffsetsBehindLatest)
                .append(AVG_OFFSETS_BEHIND_LATEST, finite(avgOffsetsBehindLatest))
                .append(DURATION_MS, durationMs)
                .append(INVALID, invalid)
                .append(LATE_ROWS, lateRows)
                .append(DOCUMENTS_WRITTEN, documentsWritten)
                .append(NEWEST_EVENT_AGE_MS, newestEventAgeMs)
                .append(WATERMARK, watermark);
    }

    /**
     * Reads a stored document back (the reports). A field that is missing or not a number
     * reads as -1 for the lag and the newest event's age (unknown, as the consumer writes it)
     * and as 0 otherwise; a missing timestamp as 0 (the epoch); the watermark as stored, or
     * null.
     */
    public static ProgressRecord fromDocument(Document d) {
        Object ts = d.get(TIMESTAMP);
        Object wm = d.get(WATERMARK);
        return new ProgressRecord(d.getString(RUN_ID) == null ? "" : d.getString(RUN_ID),
                whole(d.get(BATCH_ID), 0),
                ts instanceof Date date ? date.getTime() : 0L,
                whole(d.get(INPUT_ROWS), 0),
                decimal(d.get(INPUT_ROWS_PER_SECOND)),
                decimal(d.get(PROCESSED_ROWS_PER_SECOND)),
                whole(d.get(MAX_OFFSETS_BEHIND_LATEST), -1),
                decimal(d.get(AVG_OFFSETS_BEHIND_LATEST)),
                whole(d.get(DURATION_MS), 0),
                whole(d.get(INVALID), 0),
                whole(d.get(LATE_ROWS), 0),
                whole(d.get(DOCUMENTS_WRITTEN), 0),
                whole(d.get(NEWEST_EVENT_AGE_MS), -1),
                wm == null ? null : wm.toString());
    }

    /** When the batch started (Spark's progress timestamp), as an instant. */
    public Instant timestamp() {
        return Instant.ofEpochMilli(timestampMillis);
    }

    /**
     * The watermark as an instant, or empty when there is none yet: Spark reports the epoch
     * ({@code 1970-01-01T00:00:00.000Z}) before it has seen an event; also empty when the
     * stored text is not an ISO instant.
     */
    public Optional<Instant> watermarkInstant() {
        if (watermark == null || watermark.isBlank()) {
            return Optional.empty();
        }
        try {
            Instant t = Instant.parse(watermark.trim());
            return t.equals(Instant.EPOCH) ? Optional.empty() : Optional.of(t);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Stores it in its ring slot (replace with upsert: bounded, idempotent). */
    public void store(MongoDatabase db) {
        db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                .replaceOne(new Document("_id", slot()), toDocument(),
                        new ReplaceOptions().upsert(true));
    }

    private int slot() {
        return (int) Math.floorMod(batchId, (long) RETAINED);
    }

    private static long whole(Object o, long missing) {
        return o instanceof Number n ? n.longValue() : missing;
    }

    private static double decimal(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0.0;
    }

    // BSON allows NaN, the project's Mongo subset does not.
    private static double finite(double d) {
        return Double.isFinite(d) ? d : 0.0;
    }
}
