package analytics.report;

import analytics.mongo.KpiSchema;

/**
 * Field names of {@code pipeline_progress} documents as the consumer writes them
 * ({@code analytics.mongo.ProgressRecord#toDocument}), kept in one place for the reports.
 */
public final class ProgressFields {
    private ProgressFields() {
    }

    public static final String BATCH_ID = KpiSchema.BATCH_ID;
    public static final String TIMESTAMP = KpiSchema.TIMESTAMP;
    public static final String RUN_ID = "run_id";
    public static final String INPUT_ROWS = "input_rows";
    public static final String INPUT_ROWS_PER_SECOND = "input_rows_per_second";
    public static final String PROCESSED_ROWS_PER_SECOND = "processed_rows_per_second";
    /** Kafka offsets behind the latest, summed or maxed over partitions; -1 when unknown. */
    public static final String LAG = "max_offsets_behind_latest";
    public static final String DURATION_MS = "duration_ms";
    public static final String INVALID = "invalid";
    public static final String LATE = "late_rows";
    public static final String DOCUMENTS_WRITTEN = "documents_written";
    /** Milliseconds from the batch's latest event time to the batch's end; -1 when none. */
    public static final String NEWEST_EVENT_AGE_MS = "newest_event_age_ms";
    public static final String WATERMARK = "watermark";
}
