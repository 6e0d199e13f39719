package analytics.report;

import java.time.Instant;

/** One micro-batch of the consumer, read from {@code pipeline_progress}. */
public record ProgressRow(long batchId, Instant timestamp, long inputRows,
                          double inputRowsPerSecond, double processedRowsPerSecond, long lag,
                          long durationMs, long invalid, long late, long newestEventAgeMs,
                          String watermark) {
}
