package analytics.stream;

import analytics.core.Failures;
import analytics.mongo.MongoConnections;
import analytics.mongo.ProgressRecord;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.util.LongAccumulator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints one line per micro-batch of the named query and keeps it in
 * {@code pipeline_progress}: rows, rates, lag (offsets behind the latest, from the Kafka
 * source's metrics), duration, invalid records (counted by the decoding tasks), late rows
 * (Spark's rows dropped behind the watermark), documents written and the newest event's age.
 */
public final class ProgressReporter extends StreamingQueryListener {
    private final String queryName;
    private final String mongoUri;
    private final String db;
    private final LongAccumulator invalid;
    private final LongAccumulator written;
    private final String runId = UUID.randomUUID().toString();
    private final Map<Long, long[]> byBatch = new ConcurrentHashMap<>();
    private final ProgressTally tally = new ProgressTally(System.nanoTime());
    private volatile UUID queryId;

    /**
     * @param queryName the query to report on (others are ignored)
     * @param invalid   the decoding tasks' count of dead letters
     * @param written   the sink's count of documents written
     */
    public ProgressReporter(String queryName, String mongoUri, String db,
                            LongAccumulator invalid, LongAccumulator written) {
        this.queryName = queryName;
        this.mongoUri = mongoUri;
        this.db = db;
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
        return tally.records();
    }

    /** The run in one line ({@link ProgressTally#summary}). */
    public String summary() {
        return tally.summary(System.nanoTime());
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {
        if (queryName.equals(event.name())) {
            queryId = event.id();
        }
    }

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        StreamingQueryProgress p = event.progress();
        if (queryId == null || !queryId.equals(p.id())) {
            return;
        }
        ProgressRecord r = record(p, byBatch.remove(p.batchId()));
        tally.add(r);
        System.out.println(r.line());
        try {
            r.store(MongoConnections.shared(mongoUri).getDatabase(db));
        } catch (RuntimeException e) {
            System.err.println("consumer: cannot store progress: " + Failures.describe(e));
        }
    }

    /** One batch's record from Spark's progress and the sink's {invalid, written} counts. */
    ProgressRecord record(StreamingQueryProgress p, long[] counts) {
        long late = 0;
        for (StateOperatorProgress op : p.stateOperators()) {
            late += op.numRowsDroppedByWatermark();
        }
        long maxBehind = -1;
        double avgBehind = 0;
        for (SourceProgress src : p.sources()) {
            Map<String, String> m = src.metrics();
            if (m != null && m.containsKey("maxOffsetsBehindLatest")) {
                maxBehind = Math.max(maxBehind, (long) number(m.get("maxOffsetsBehindLatest")));
                avgBehind += number(m.get("avgOffsetsBehindLatest"));
            }
        }
        Long duration = p.durationMs().get("triggerExecution");
        long start = Instant.parse(p.timestamp()).toEpochMilli();
        long end = start + (duration == null ? 0 : duration);
        String wm = p.eventTime().get("watermark");
        // The newest event of the batch became visible at the batch's end: its age then.
        String newest = p.eventTime().get("max");
        long age = newest == null ? -1 : Math.max(0, end - Instant.parse(newest).toEpochMilli());
        // Spark measures the input rate from the previous trigger: the run's first batch has
        // none, and Spark says 0 rows/s for rows it did read. Unknown, then.
        double inRate = p.inputRowsPerSecond() == 0 && p.numInputRows() > 0 ? Double.NaN
                : p.inputRowsPerSecond();
        return new ProgressRecord(runId, p.batchId(), start, p.numInputRows(), inRate,
                p.processedRowsPerSecond(), maxBehind, avgBehind, duration == null ? 0 : duration,
                counts == null ? 0 : counts[0], late, counts == null ? 0 : counts[1], age,
                wm == null ? "-" : wm);
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {
        // nothing: the consumer reports failures on its exit path
    }

    private static double number(String s) {
        try {
            return s == null ? 0 : Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
