package analytics.stream;

import analytics.mongo.ProgressRecord;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * The consumer's run so far: the last {@link ProgressRecord#RETAINED} micro-batches (as
 * {@code pipeline_progress} keeps them) and totals over the whole run, for the line it ends
 * with. Thread-safe: Spark's listener thread adds while the main thread reads.
 */
public final class ProgressTally {
    private final ArrayDeque<ProgressRecord> records = new ArrayDeque<>();
    private final long startNanos;
    private long batches;
    private long rows;
    private long invalid;
    private long late;
    private long documents;

    public ProgressTally(long startNanos) {
        this.startNanos = startNanos;
    }

    public synchronized void add(ProgressRecord r) {
        records.addLast(r);
        if (records.size() > ProgressRecord.RETAINED) {
            records.removeFirst();
        }
        batches++;
        rows += r.inputRows();
        invalid += r.invalid();
        late += r.lateRows();
        documents += r.documentsWritten();
    }

    /** The last {@link ProgressRecord#RETAINED} records, oldest first. */
    public synchronized List<ProgressRecord> records() {
        return List.copyOf(records);
    }

    /**
     * The run in one line, as of {@code nowNanos}: "1000000 rows in 2 micro-batches, 374630
     * documents written, 0 invalid, 0 late; 19.6 s since the query started (50923 rows/s)".
     */
    public synchronized String summary(long nowNanos) {
        double secs = (nowNanos - startNanos) / 1e9;
        return String.format(Locale.ROOT, "%d rows in %d micro-batches, %d documents written, "
                + "%d invalid, %d late; %.1f s since the query started (%.0f rows/s)", rows,
                batches, documents, invalid, late, secs, secs > 0 ? rows / secs : 0.0);
    }
}
