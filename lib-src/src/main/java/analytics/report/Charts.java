package analytics.report;

import analytics.mongo.ProgressRecord;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import javax.imageio.ImageIO;

/**
 * XChart charts of the reports, rendered to images (a notebook cell that ends with a
 * {@link BufferedImage} shows it as an inline PNG). Callers pass non-empty data;
 * {@link Dashboard} shows a message instead of an empty chart. Times are in UTC.
 */
public final class Charts {
    private Charts() {
    }

    public static final int WIDTH = 900;
    public static final int HEIGHT = 420;

    /** A bar chart of keys and their counts, in the given order. */
    public static BufferedImage bars(String title, String keyAxis, List<KeyCount> rows) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle(keyAxis).yAxisTitle("interactions").build();
        Styler s = chart.getStyler();
        style(s);
        s.setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(rows.size() > 8 ? 45 : 0);
        chart.getStyler().setLabelsVisible(rows.size() <= 25);
        chart.addSeries("interactions", rows.stream().map(KeyCount::key).toList(),
                rows.stream().map(r -> (Number) r.total()).toList());
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Interactions per window (by window start) over time, one line per named series. */
    public static BufferedImage windowLines(String title, Map<String, List<WindowTotal>> series) {
        XYChart chart = timeChart(title, "interactions per window");
        for (Map.Entry<String, List<WindowTotal>> e : series.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            XYSeries xy = chart.addSeries(e.getKey(),
                    e.getValue().stream().map(w -> Date.from(w.start())).toList(),
                    e.getValue().stream().map(w -> (Number) w.interactions()).toList());
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * Activity per window, by window start: the events of each window (its interactions,
     * summed over users; each event counts once per window it falls in) on the left axis, and
     * how many distinct users and distinct items were active in it on the right axis.
     */
    public static BufferedImage activity(String title, List<WindowTotal> users,
                                         List<WindowTotal> items) {
        XYChart chart = timeChart(title, "events per window");
        chart.setYAxisGroupTitle(1, "distinct active users / items");
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        if (!users.isEmpty()) {
            chart.addSeries("events", users.stream().map(w -> Date.from(w.start())).toList(),
                    users.stream().map(w -> (Number) w.interactions()).toList())
                    .setMarker(SeriesMarkers.CIRCLE);
            XYSeries u = chart.addSeries("active users",
                    users.stream().map(w -> Date.from(w.start())).toList(),
                    users.stream().map(w -> (Number) w.keys()).toList());
            u.setMarker(SeriesMarkers.DIAMOND);
            u.setYAxisGroup(1);
        }
        if (!items.isEmpty()) {
            XYSeries i = chart.addSeries("active items",
                    items.stream().map(w -> Date.from(w.start())).toList(),
                    items.stream().map(w -> (Number) w.keys()).toList());
            i.setMarker(SeriesMarkers.SQUARE);
            i.setYAxisGroup(1);
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    private static XYChart timeChart(String title, String yAxis) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("window start (UTC)").yAxisTitle(yAxis).build();
        style(chart.getStyler());
        chart.getStyler().setDatePattern("HH:mm");
        chart.getStyler().setTimezone(TimeZone.getTimeZone("UTC"));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        return chart;
    }

    /** Input and processed rows per second of the consumer's micro-batches, by batch id. */
    public static BufferedImage throughput(List<ProgressRecord> rows) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Consumer throughput per micro-batch").xAxisTitle("batch id")
                .yAxisTitle("rows per second").build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        List<Number> ids = rows.stream().map(r -> (Number) r.batchId()).toList();
        chart.addSeries("input rows/s", ids,
                rows.stream().map(r -> (Number) r.inputRowsPerSecond()).toList())
                .setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("processed rows/s", ids,
                rows.stream().map(r -> (Number) r.processedRowsPerSecond()).toList())
                .setMarker(SeriesMarkers.DIAMOND);
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Kafka lag (offsets behind the latest) per micro-batch; batches without a lag skipped. */
    public static BufferedImage lag(List<ProgressRecord> rows) {
        List<Number> ids = new ArrayList<>();
        List<Number> lags = new ArrayList<>();
        for (ProgressRecord r : rows) {
            if (r.maxOffsetsBehindLatest() >= 0) {
                ids.add(r.batchId());
                lags.add(r.maxOffsetsBehindLatest());
            }
        }
        return perBatch("Consumer lag (offsets behind latest)", "offsets", ids, lags);
    }

    /**
     * Freshness per micro-batch: the newest event's age when its count became visible, in
     * seconds, by batch id; batches without events skipped.
     */
    public static BufferedImage freshness(List<ProgressRecord> rows) {
        List<Number> ids = new ArrayList<>();
        List<Number> ages = new ArrayList<>();
        for (ProgressRecord r : rows) {
            if (r.newestEventAgeMs() >= 0) {
                ids.add(r.batchId());
                ages.add(r.newestEventAgeMs() / 1000.0);
            }
        }
        return perBatch("Freshness: newest event's age when counted", "seconds", ids, ages);
    }

    private static BufferedImage perBatch(String title, String yAxis, List<Number> ids,
                                          List<Number> values) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT / 2 + 80)
                .title(title).xAxisTitle("batch id").yAxisTitle(yAxis).build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        if (ids.isEmpty()) {
            ids = List.of(0);
            values = List.of(0);
        }
        chart.addSeries(yAxis, ids, values).setMarker(SeriesMarkers.CIRCLE);
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** A histogram of counts (e.g. interactions per user in one window) in {@code bins} bins. */
    public static BufferedImage histogram(String title, String valueAxis, long[] values,
                                          int bins) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        long width = Math.max(1, (max - min + bins) / bins);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (long lo = min; lo <= max; lo += width) {
            counts.put(width == 1 ? Long.toString(lo) : lo + "–" + (lo + width - 1), 0L);
        }
        List<String> labels = new ArrayList<>(counts.keySet());
        for (long v : values) {
            String label = labels.get((int) ((v - min) / width));
            counts.merge(label, 1L, Long::sum);
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle(valueAxis).yAxisTitle("how many").build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(labels.size() > 10 ? 45 : 0);
        chart.addSeries("count", labels, counts.values().stream().map(c -> (Number) c).toList());
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** The image as PNG bytes. */
    public static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setChartTitleBoxVisible(false);
        s.setPlotBorderVisible(false);
        s.setAntiAlias(true);
    }
}
