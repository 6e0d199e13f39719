package analytics.report;

import java.util.Locale;

/**
 * The dashboard's KPIs, all over one window (see {@link ReportQueries#kpiWindow}).
 *
 * @param users distinct users with at least one interaction in the window
 * @param userInteractions interactions in the window, summed over users
 * @param items distinct items with at least one interaction in the window
 * @param maxItem the item with the most interactions (ties: the smallest id), null when none
 * @param minItem the item with the fewest interactions (ties: the smallest id), null when none
 */
public record Kpis(WindowRef window, long users, long userInteractions, long items,
                   KeyCount maxItem, KeyCount minItem) {

    /** Average interactions per user in the window; 0 when it has no users. */
    public double averagePerUser() {
        return users == 0 ? 0.0 : (double) userInteractions / users;
    }

    /** The average as the dashboard prints it (two decimals). */
    public String averageText() {
        return format(averagePerUser());
    }

    public static String format(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    /** Plain text, one KPI per line, ending with the window they are computed over. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append("Average interactions per user: ").append(averageText())
                .append("  (").append(userInteractions).append(" interactions / ")
                .append(users).append(" users)\n");
        if (maxItem == null) {
            b.append("Maximum interactions per item: no item interactions in this window\n");
            b.append("Minimum interactions per item: no item interactions in this window\n");
        } else {
            b.append("Maximum interactions per item: ").append(maxItem.total())
                    .append("  (").append(maxItem.key()).append(")\n");
            b.append("Minimum interactions per item: ").append(minItem.total())
                    .append("  (").append(minItem.key()).append(")\n");
            b.append("Items with interactions: ").append(items).append('\n');
        }
        b.append("Window: ").append(window.label());
        return b.toString();
    }
}
