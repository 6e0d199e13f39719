package analytics.report;

import analytics.mongo.Aggregate;
import analytics.mongo.WindowCount;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The analyses of {@code notebooks/explore.ipynb}: how interactions are distributed over users
 * and items, which items are hot over time, and how counts of overlapping windows relate. Works
 * on a refreshed {@link Dashboard} (its KPI window and connection); every method returns an
 * image or plain text, never throws.
 */
public final class Exploration {
    /** At most this many documents of one window are read for a distribution. */
    public static final int MAX_DOCUMENTS = 200_000;

    private final Dashboard dashboard;

    public Exploration(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    /** Histogram of interactions per user in the KPI window. */
    public Object userDistribution() {
        return distributionChart(Aggregate.USER, "user");
    }

    /** Histogram of interactions per item in the KPI window. */
    public Object itemDistribution() {
        return distributionChart(Aggregate.ITEM, "item");
    }

    /** Summary statistics (count, mean, percentiles) of interactions per user. */
    public String userStatistics() {
        return statistics(Aggregate.USER, "user");
    }

    /** Summary statistics (count, mean, percentiles) of interactions per item. */
    public String itemStatistics() {
        return statistics(Aggregate.ITEM, "item");
    }

    private Object distributionChart(Aggregate a, String what) {
        return guarded(q -> {
            WindowRef w = dashboard.snapshot().window();
            long[] counts = q.countsInWindow(a, w, MAX_DOCUMENTS);
            if (counts.length == 0) {
                return "No " + what + " interactions in the window " + w.label() + ".";
            }
            return Charts.histogram("Interactions per " + what + ", window " + w.label(),
                    "interactions per " + what, counts, 20);
        });
    }

    private String statistics(Aggregate a, String what) {
        return (String) guarded(q -> {
            WindowRef w = dashboard.snapshot().window();
            long[] counts = q.countsInWindow(a, w, MAX_DOCUMENTS);
            if (counts.length == 0) {
                return "No " + what + " interactions in the window " + w.label() + ".";
            }
            return Tables.text(Tables.distribution("Interactions per " + what + ", window "
                    + w.label(), "interactions", counts));
        });
    }

    /**
     * The {@code n} hottest items of the KPI window and their count in every window of the last
     * {@code span}, one line each: are they hot throughout or just now?
     */
    public Object hotItemsChart(int n, Duration span) {
        return guarded(q -> {
            WindowRef w = dashboard.snapshot().window();
            List<KeyCount> top = q.topKeys(Aggregate.ITEM, w, n);
            if (top.isEmpty()) {
                return "No item interactions in the window " + w.label() + ".";
            }
            List<String> keys = top.stream().map(KeyCount::key).toList();
            Instant from = w.end().minus(span);
            Map<String, List<WindowTotal>> series = new LinkedHashMap<>();
            keys.forEach(k -> series.put(k, new ArrayList<>()));
            for (WindowCount c : q.windowsOfKeys(Aggregate.ITEM, keys, from)) {
                series.get(c.key()).add(new WindowTotal(Instant.ofEpochMilli(c.windowStartMillis()),
                        Instant.ofEpochMilli(c.windowEndMillis()), c.total(), 1));
            }
            return Charts.windowLines("Top " + keys.size() + " items of the KPI window: count"
                    + " per window, last " + span.toMinutes() + " min", series);
        });
    }

    /**
     * How counts of overlapping windows relate: with windows of length L sliding every S, every
     * event is counted in L/S windows, so the sum over all windows is L/S times the sum over
     * non-overlapping windows, and a window's count is the sum of its L/S slide-sized parts.
     * Shows both sums over the last {@code span} and the per-window totals.
     */
    public String overlap(Duration span) {
        return (String) guarded(q -> {
            WindowRef w = dashboard.snapshot().window();
            Instant from = w.end().minus(span);
            List<WindowTotal> all = q.windowTotals(Aggregate.USER, from, w.length());
            if (all.isEmpty()) {
                return "No windows in the last " + span.toMinutes() + " min.";
            }
            List<Instant> tiling = ReportQueries.tilingStarts(w, (int) Math.max(1,
                    span.dividedBy(w.length())));
            long sumAll = 0;
            long sumTiling = 0;
            Duration slide = null;
            Instant previous = null;
            for (WindowTotal t : all) {
                sumAll += t.interactions();
                if (tiling.contains(t.start())) {
                    sumTiling += t.interactions();
                }
                if (previous != null) {
                    Duration d = Duration.between(previous, t.start());
                    slide = slide == null || d.compareTo(slide) < 0 ? d : slide;
                }
                previous = t.start();
            }
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "Window length %d min, slide %s.%n",
                    w.length().toMinutes(), slide == null ? "unknown (one window)"
                            : slide.toMinutes() + " min"));
            b.append(String.format(Locale.ROOT,
                    "Sum over all %d windows: %d; over the non-overlapping ones: %d",
                    all.size(), sumAll, sumTiling));
            if (sumTiling > 0) {
                b.append(String.format(Locale.ROOT, " (ratio %.2f", (double) sumAll / sumTiling));
                if (slide != null && !slide.isZero()) {
                    b.append(String.format(Locale.ROOT, "; expected about %.2f = length/slide",
                            (double) w.length().toMillis() / slide.toMillis()));
                }
                b.append(')');
            }
            b.append(".\nEach event is in every window that contains its time, so overlapping "
                    + "windows share events: add only non-overlapping windows to count "
                    + "events.\n\n");
            b.append(Tables.text(Tables.windowTotals("Interactions per window", all)));
            return b.toString();
        });
    }

    private Object guarded(Function<ReportQueries, Object> analysis) {
        String problem = dashboard.problem();
        if (problem != null) {
            return problem;
        }
        ReportQueries q = dashboard.queries();
        try {
            return analysis.apply(q);
        } catch (RuntimeException e) {
            return dashboard.explain(e);
        }
    }
}
