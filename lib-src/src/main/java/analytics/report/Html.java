package analytics.report;

import java.util.List;
import java.util.Locale;

/**
 * Small HTML views of the dashboard (a notebook cell shows them with
 * {@code display("text/html", ...)}; the served page is the notebook exported as HTML). Each is
 * one self-contained fragment with inline styles, so it looks the same in Jupyter, in the
 * rendered report and on the served page. The class names ({@code dash-*}) and data attributes
 * are what the served page's script and the browser tests look for:
 * <ul>
 *   <li>{@code .dash-kpi[data-kpi]} with {@code .dash-kpi-value}: one KPI card;</li>
 *   <li>{@code .dash-bars[data-what]} holding {@code .dash-bar[data-rank]}: a bar chart whose
 *   bars are ranked, so a page can show the first N of them (bar widths are relative to rank 1,
 *   which every N shows, so hiding the tail changes no other bar);</li>
 *   <li>{@code .dash-raw}: a raw table, which the page can hide;</li>
 *   <li>{@code .dash-message}: a plain sentence instead of a view (no data, no server).</li>
 * </ul>
 */
public final class Html {
    private Html() {
    }

    /** One KPI card: a label, a big value and a line under it. */
    public record Card(String id, String label, String value, String detail) {
    }

    /** Escapes text for HTML element content and attribute values. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A plain sentence in place of a view (why there is nothing to show). */
    public static String message(String text) {
        return "<p class=\"dash-message\" style=\"margin:4px 0;padding:8px 12px;"
                + "border-left:4px solid #c98a00;background:#fff8e6\">" + escape(text) + "</p>";
    }

    /** A row of KPI cards and, under them, the window they are computed over. */
    public static String cards(List<Card> cards, String window) {
        StringBuilder b = new StringBuilder("<div class=\"dash-kpis\">"
                + "<div style=\"display:flex;flex-wrap:wrap;gap:12px\">");
        for (Card c : cards) {
            b.append("<div class=\"dash-kpi\" data-kpi=\"").append(escape(c.id()))
                    .append("\" style=\"flex:1 1 180px;border:1px solid #ddd;border-radius:8px;"
                            + "padding:10px 14px;background:#fafafa\">")
                    .append("<div class=\"dash-kpi-label\" style=\"font-size:13px;color:#555\">")
                    .append(escape(c.label())).append("</div>")
                    .append("<div class=\"dash-kpi-value\" style=\"font-size:34px;"
                            + "font-weight:600;line-height:1.2;"
                            + "font-variant-numeric:tabular-nums\">")
                    .append(escape(c.value())).append("</div>")
                    .append("<div class=\"dash-kpi-detail\" style=\"font-size:12px;color:#666\">")
                    .append(escape(c.detail())).append("</div></div>");
        }
        b.append("</div><div class=\"dash-kpi-window\" style=\"font-size:13px;color:#444;"
                + "margin-top:6px\">").append(escape(window)).append("</div></div>");
        return b.toString();
    }

    /**
     * A horizontal bar chart of ranked keys (rank 1 first). {@code shown} bars are visible, the
     * rest are in the page but hidden (a page may show more of them); the title's count is in a
     * {@code .dash-n} span, which a page updates when it shows another number of bars.
     */
    public static String bars(String what, String titleBefore, String titleAfter,
                              List<KeyCount> rows, int shown) {
        long max = rows.stream().mapToLong(KeyCount::total).max().orElse(1);
        StringBuilder b = new StringBuilder("<div class=\"dash-bars\" data-what=\"")
                .append(escape(what)).append("\" data-count=\"").append(rows.size())
                .append("\" style=\"max-width:900px\">")
                .append("<div class=\"dash-bars-title\" style=\"font-weight:600;margin:4px 0\">")
                .append(escape(titleBefore)).append("<span class=\"dash-n\">")
                .append(Math.min(shown, rows.size())).append("</span>")
                .append(escape(titleAfter)).append("</div>");
        int rank = 0;
        for (KeyCount r : rows) {
            rank++;
            double pct = max <= 0 ? 0 : 100.0 * r.total() / max;
            b.append("<div class=\"dash-bar\" data-rank=\"").append(rank).append("\" style=\"")
                    .append(rank > shown ? "display:none;" : "display:flex;")
                    .append("align-items:center;gap:8px;margin:2px 0;font-size:13px\">")
                    .append("<span class=\"dash-bar-key\" style=\"flex:0 0 130px;overflow:hidden;"
                            + "text-overflow:ellipsis;white-space:nowrap\">")
                    .append(escape(r.key())).append("</span>")
                    .append("<span style=\"flex:1 1 auto;background:#eef2f7\">")
                    .append("<span style=\"display:block;height:16px;background:#3f6fb5;width:")
                    .append(String.format(Locale.ROOT, "%.2f", pct)).append("%\"></span></span>")
                    .append("<span class=\"dash-bar-value\" style=\"flex:0 0 70px;"
                            + "text-align:right;font-variant-numeric:tabular-nums\">")
                    .append(r.total()).append("</span></div>");
        }
        return b.append("</div>").toString();
    }

    /** A raw table (hidden by a page whose raw tables are off). */
    public static String raw(String tableHtml) {
        return "<div class=\"dash-raw\" style=\"overflow-x:auto\">" + tableHtml + "</div>";
    }

    /** A line of status text (refresh stamps). */
    public static String status(String text, long takenAtMillis) {
        return "<p class=\"dash-status\" data-taken-at=\"" + takenAtMillis
                + "\" style=\"margin:4px 0;color:#333\">" + escape(text) + "</p>";
    }
}
