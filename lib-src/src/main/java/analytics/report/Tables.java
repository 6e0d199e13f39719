package analytics.report;

import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import tech.tablesaw.api.DateTimeColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

import java.text.NumberFormat;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

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
        DateTimeColumn start = minutes(DateTimeColumn.create("window_start"));
        DateTimeColumn end = minutes(DateTimeColumn.create("window_end"));
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
        DateTimeColumn start = minutes(DateTimeColumn.create("window_start"));
        DateTimeColumn end = minutes(DateTimeColumn.create("window_end"));
        for (WindowTotal w : rows) {
            start.append(utc(w.start()));
            end.append(utc(w.end()));
        }
        return Table.create(name, start, end,
                LongColumn.create("interactions",
                        rows.stream().mapToLong(WindowTotal::interactions).toArray()),
                LongColumn.create("keys", rows.stream().mapToLong(WindowTotal::keys).toArray()));
    }

    /**
     * The consumer's micro-batches, as people read them: the start of each batch to the second
     * (UTC), rates to one decimal, the newest event's age when counted (freshness) in seconds
     * ({@code ?} when the batch had no event), and the watermark as a date ({@code none yet}
     * before Spark has one).
     */
    public static Table progress(String name, List<ProgressRecord> rows) {
        DateTimeColumn time = seconds(DateTimeColumn.create("started_utc"));
        DoubleColumn freshness = DoubleColumn.create("freshness_s");
        freshness.setPrintFormatter(new NumberColumnFormatter(decimals(1), "?"));
        StringColumn watermark = StringColumn.create("watermark_utc");
        for (ProgressRecord r : rows) {
            time.append(utc(r.timestampMillis()));
            if (r.newestEventAgeMs() < 0) {
                freshness.appendMissing();
            } else {
                freshness.append(r.newestEventAgeMs() / 1000.0);
            }
            watermark.append(watermarkText(r));
        }
        DoubleColumn in = DoubleColumn.create("input_rows_per_s", rows.stream()
                .mapToDouble(ProgressRecord::inputRowsPerSecond).toArray());
        DoubleColumn processed = DoubleColumn.create("processed_rows_per_s", rows.stream()
                .mapToDouble(ProgressRecord::processedRowsPerSecond).toArray());
        in.setPrintFormatter(new NumberColumnFormatter(decimals(1), "?"));
        processed.setPrintFormatter(new NumberColumnFormatter(decimals(1), "?"));
        LongColumn lag = LongColumn.create("lag");
        for (ProgressRecord r : rows) {
            if (r.maxOffsetsBehindLatest() < 0) {
                lag.appendMissing();
            } else {
                lag.append(r.maxOffsetsBehindLatest());
            }
        }
        lag.setPrintFormatter(new NumberColumnFormatter(NumberFormat.getIntegerInstance(
                Locale.ROOT), "?"));
        return Table.create(name,
                LongColumn.create("batch_id", rows.stream().mapToLong(ProgressRecord::batchId)
                        .toArray()),
                time,
                LongColumn.create("input_rows", rows.stream()
                        .mapToLong(ProgressRecord::inputRows).toArray()),
                in, processed, lag, freshness,
                LongColumn.create("duration_ms", rows.stream()
                        .mapToLong(ProgressRecord::durationMs).toArray()),
                LongColumn.create("invalid", rows.stream().mapToLong(ProgressRecord::invalid)
                        .toArray()),
                LongColumn.create("late", rows.stream().mapToLong(ProgressRecord::lateRows)
                        .toArray()),
                watermark);
    }

    /** The watermark as people read it: {@code 2026-12-02 05:10:00}, or {@code none yet}. */
    public static String watermarkText(ProgressRecord r) {
        return r.watermarkInstant().map(SECONDS::format).orElse("none yet");
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

    /**
     * The whole table as an HTML {@code <table>} with its name as caption; cells as the
     * columns print them (their print formatters: rounded numbers, readable dates).
     */
    public static String html(Table t) {
        StringBuilder b = new StringBuilder("<table class=\"dash-table\" style=\""
                + "border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums\">");
        b.append("<caption style=\"text-align:left;font-weight:600;padding:4px 0\">")
                .append(Html.escape(t.name())).append("</caption><thead><tr>");
        for (String c : t.columnNames()) {
            b.append("<th style=\"").append(CELL).append(";border-bottom:1px solid #999\">")
                    .append(Html.escape(c)).append("</th>");
        }
        b.append("</tr></thead><tbody>");
        for (int r = 0; r < t.rowCount(); r++) {
            b.append("<tr>");
            for (int c = 0; c < t.columnCount(); c++) {
                boolean number = t.column(c) instanceof NumericColumn<?>;
                b.append("<td style=\"").append(CELL).append(number ? ";text-align:right" : "")
                        .append("\">").append(Html.escape(t.column(c).getString(r)))
                        .append("</td>");
            }
            b.append("</tr>");
        }
        if (t.rowCount() == 0) {
            b.append("<tr><td colspan=\"").append(t.columnCount()).append("\">no rows</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static final String CELL = "padding:2px 10px;border-bottom:1px solid #e5e5e5";

    static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private static DateTimeColumn minutes(DateTimeColumn c) {
        c.setPrintFormatter(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"), "");
        return c;
    }

    private static DateTimeColumn seconds(DateTimeColumn c) {
        c.setPrintFormatter(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"), "?");
        return c;
    }

    private static NumberFormat decimals(int n) {
        NumberFormat f = NumberFormat.getNumberInstance(Locale.ROOT);
        f.setMinimumFractionDigits(n);
        f.setMaximumFractionDigits(n);
        f.setGroupingUsed(false);
        return f;
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
