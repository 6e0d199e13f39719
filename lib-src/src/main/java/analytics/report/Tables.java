package analytics.report;

import analytics.mongo.WindowCount;
import tech.tablesaw.api.DateTimeColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** Tablesaw tables of the report data (times as UTC date-times). */
public final class Tables {
    private Tables() {
    }

    /** Key and interactions, in the given order. */
    public static Table keyCounts(String name, String keyColumn, List<KeyCount> rows) {
        return Table.create(name,
                StringColumn.create(keyColumn, rows.stream().map(KeyCount::key).toList()),
                LongColumn.create("total_interactions",
                        rows.stream().mapToLong(KeyCount::total).toArray()));
    }

    /** Stored window documents: key, total_interactions, window_start, window_end. */
    public static Table windowCounts(String name, String keyColumn, List<WindowCount> rows) {
        DateTimeColumn start = DateTimeColumn.create("window_start");
        DateTimeColumn end = DateTimeColumn.create("window_end");
        for (WindowCount w : rows) {
            start.append(utc(w.windowStartMillis()));
            end.append(utc(w.windowEndMillis()));
        }
        return Table.create(name,
                StringColumn.create(keyColumn, rows.stream().map(WindowCount::key).toList()),
                IntColumn.create("total_interactions",
                        rows.stream().mapToInt(WindowCount::total).toArray()),
                start, end);
    }

    /** Interactions and keys per window. */
    public static Table windowTotals(String name, List<WindowTotal> rows) {
        DateTimeColumn start = DateTimeColumn.create("window_start");
        DateTimeColumn end = DateTimeColumn.create("window_end");
        for (WindowTotal w : rows) {
            start.append(utc(w.start()));
            end.append(utc(w.end()));
        }
        return Table.create(name, start, end,
                LongColumn.create("interactions",
                        rows.stream().mapToLong(WindowTotal::interactions).toArray()),
                LongColumn.create("keys", rows.stream().mapToLong(WindowTotal::keys).toArray()));
    }

    /** The consumer's micro-batches. */
    public static Table progress(String name, List<ProgressRow> rows) {
        DateTimeColumn time = DateTimeColumn.create("timestamp");
        StringColumn watermark = StringColumn.create("watermark");
        for (ProgressRow r : rows) {
            time.append(r.timestamp() == null ? null : utc(r.timestamp()));
            watermark.append(r.watermark() == null ? "" : r.watermark());
        }
        return Table.create(name,
                LongColumn.create("batch_id", rows.stream().mapToLong(ProgressRow::batchId)
                        .toArray()),
                time,
                LongColumn.create("input_rows", rows.stream().mapToLong(ProgressRow::inputRows)
                        .toArray()),
                DoubleColumn.create("input_rows_per_s", rows.stream()
                        .mapToDouble(ProgressRow::inputRowsPerSecond).toArray()),
                DoubleColumn.create("processed_rows_per_s", rows.stream()
                        .mapToDouble(ProgressRow::processedRowsPerSecond).toArray()),
                LongColumn.create("lag", rows.stream().mapToLong(ProgressRow::lag).toArray()),
                LongColumn.create("duration_ms", rows.stream().mapToLong(ProgressRow::durationMs)
                        .toArray()),
                LongColumn.create("invalid", rows.stream().mapToLong(ProgressRow::invalid)
                        .toArray()),
                LongColumn.create("late", rows.stream().mapToLong(ProgressRow::late).toArray()),
                watermark);
    }

    /** Summary statistics of counts (e.g. interactions per user in one window). */
    public static Table distribution(String name, String what, long[] values) {
        LongColumn c = LongColumn.create(what, values);
        return Table.create(name,
                StringColumn.create("statistic", List.of("count", "mean", "min", "p50", "p90",
                        "p99", "max")),
                DoubleColumn.create("value", new double[] {c.size(), round(c.mean()), c.min(),
                        round(c.percentile(50)), round(c.percentile(90)),
                        round(c.percentile(99)), c.max()}));
    }

    /** The whole table as text (the tables here are bounded: top-N, last windows). */
    public static String text(Table t) {
        return t.rowCount() == 0 ? t.name() + ": no rows" : t.printAll();
    }

    private static double round(double d) {
        return Math.round(d * 100.0) / 100.0;
    }

    private static LocalDateTime utc(long epochMillis) {
        return utc(Instant.ofEpochMilli(epochMillis));
    }

    private static LocalDateTime utc(Instant t) {
        return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
