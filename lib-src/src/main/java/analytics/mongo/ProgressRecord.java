package analytics.mongo;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.Document;

import java.util.Date;
import java.util.Locale;

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
                .append("run_id", runId)
                .append(KpiSchema.BATCH_ID, batchId)
                .append(KpiSchema.TIMESTAMP, new Date(timestampMillis))
                .append("input_rows", inputRows)
                .append("input_rows_per_second", finite(inputRowsPerSecond))
                .append("processed_rows_per_second", finite(processedRowsPerSecond))
                .append("max_offsets_behind_latest", maxOffsetsBehindLatest)
                .append("avg_offsets_behind_latest", finite(avgOffsetsBehindLatest))
                .append("duration_ms", durationMs)
                .append("invalid", invalid)
                .append("late_rows", lateRows)
                .append("documents_written", documentsWritten)
                .append("newest_event_age_ms", newestEventAgeMs)
                .append("watermark", watermark);
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

    // BSON allows NaN, the project's Mongo subset does not.
    private static double finite(double d) {
        return Double.isFinite(d) ? d : 0.0;
    }
}
