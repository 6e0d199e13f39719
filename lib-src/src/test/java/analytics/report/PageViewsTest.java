package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.mongo.Aggregate;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import org.bson.Document;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's HTML views and the progress documents as the reports read them, without a
 * server: ranked bars, KPI cards, tables with rounded numbers and readable dates, the watermark
 * before Spark has one.
 */
class PageViewsTest {
    private static final long T = Instant.parse("2026-12-02T05:10:00Z").toEpochMilli();

    @Test
    void aProgressDocumentReadsBackAsTheRecordThatWroteIt() {
        ProgressRecord r = new ProgressRecord("run-7", 12, T, 5000, 523.3911774749324, 900.25,
                40, 12.5, 2100, 3, 2, 777, 1600, "2026-12-02T05:00:00.000Z");
        assertEquals(r, ProgressRecord.fromDocument(r.toDocument()));
        ProgressRecord sparse = ProgressRecord.fromDocument(new Document("batch_id", 3L));
        assertEquals(3, sparse.batchId());
        assertEquals(-1, sparse.maxOffsetsBehindLatest());
        assertEquals(-1, sparse.newestEventAgeMs());
        assertEquals(Optional.empty(), sparse.watermarkInstant());
    }

    @Test
    void anEpochWatermarkReadsNoneYetAndTablesRoundNumbersAndShowDatesToTheSecond() {
        ProgressRecord before = new ProgressRecord("r", 0, T, 10, 523.3911774749324, 0.0, -1, 0,
                10, 0, 0, 0, -1, "1970-01-01T00:00:00.000Z");
        ProgressRecord after = new ProgressRecord("r", 1, T + 1500, 10, 1.0, 2.0, 7, 0, 10, 0,
                0, 0, 2345, "2026-12-02T05:00:00.000Z");
        assertEquals("none yet", Tables.watermarkText(before));
        assertEquals("2026-12-02 05:00:00", Tables.watermarkText(after));
        String html = Tables.html(Tables.progress("batches", List.of(before, after)));
        assertTrue(html.contains(">523.4<"), html);
        assertFalse(html.contains("523.39"), html);
        assertTrue(html.contains(">2026-12-02 05:10:01<"), html);
        assertTrue(html.contains(">none yet<"), html);
        assertTrue(html.contains(">2.3<"), html); // freshness 2,345 ms
        assertTrue(html.contains(">?<"), html); // no lag, no freshness for batch 0
        String text = Tables.text(Tables.windowCounts("w", "user_id", List.of(
                new WindowCount(Aggregate.USER, "u<1>", T, T + 600_000, 4))));
        assertTrue(text.contains("2026-12-02 05:10"), text);
        assertFalse(text.contains("05:10:00.000"), text);
    }

    @Test
    void barsAreRankedAndOnlyTheFirstNAreShown() {
        List<KeyCount> rows = List.of(new KeyCount("a", 10), new KeyCount("b<x>", 5),
                new KeyCount("c", 1));
        String html = Html.bars("users", "Top ", " users", rows, 2);
        assertEquals(3, count(Pattern.compile("class=\"dash-bar\" data-rank=\"\\d\""), html));
        assertEquals(2, count(Pattern.compile("data-rank=\"\\d\" style=\"display:flex"), html));
        assertTrue(html.contains("data-rank=\"3\" style=\"display:none"), html);
        assertTrue(html.contains("<span class=\"dash-n\">2</span>"), html);
        assertTrue(html.contains("b&lt;x&gt;"), html);
        assertTrue(html.contains("width:50.00%"), html); // relative to rank 1
    }

    @Test
    void kpiCardsCarryTheirValuesAndTheWindow() {
        String html = Html.cards(List.of(new Html.Card("avg-per-user", "Average", "3.25",
                "13 / 4")), "Window [x]");
        assertTrue(html.contains("data-kpi=\"avg-per-user\""), html);
        assertTrue(html.contains("<div class=\"dash-kpi-value\""), html);
        assertTrue(html.contains(">3.25</div>"), html);
        assertTrue(html.contains("Window [x]"), html);
        assertTrue(Html.message("a < b").contains("a &lt; b"));
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
