package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.mongo.Aggregate;
import analytics.mongo.ProgressRecord;
import analytics.report.ReportData.Win;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The report queries against the real MongoDB-protocol server named by {@code MONGO_URI} (the
 * test command starts one; without it these tests are skipped). Each test writes its own
 * database, as the consumer would, and checks the queries against values computed here from
 * the same events.
 */
class ReportQueriesTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private static MongoClient client;
    private static String uri;

    private MongoDatabase db;
    private String dbName;

    @BeforeAll
    static void connect() {
        uri = System.getenv("MONGO_URI");
        Assumptions.assumeTrue(uri != null && !uri.isBlank() || System.getenv("CI") != null,
                "MONGO_URI is not set: scripts/test.sh starts a server and sets it");
        client = MongoClients.create(uri);
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.close();
        }
    }

    @BeforeEach
    void newDatabase() {
        dbName = "report_" + RUN + "_" + SEQ.incrementAndGet();
        db = client.getDatabase(dbName);
    }

    @AfterEach
    void dropDatabase() {
        if (db != null) {
            db.drop();
        }
    }

    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    private static ReportData data() {
        return new ReportData(Defaults.WINDOW, Defaults.SLIDE);
    }

    private Dashboard dashboard(Instant now) {
        return Dashboard.connect(uri, dbName).clock(Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void emptyDatabaseSaysNoDataYetInEveryView() {
        try (Dashboard d = dashboard(T0)) {
            assertTrue(d.refresh().contains("No data yet"), d.refresh());
            assertTrue(d.kpis().startsWith("No data yet"), d.kpis());
            assertTrue(d.kpis().contains("Run the producer and the consumer"), d.kpis());
            assertInstanceOf(String.class, d.topUsersChart());
            assertInstanceOf(String.class, d.topItemsChart());
            assertInstanceOf(String.class, d.windowsChart());
            assertTrue(d.health().startsWith("No pipeline progress yet"), d.health());
            assertTrue(d.rawUsers().startsWith("No documents"), d.rawUsers());
            assertInstanceOf(String.class, d.throughputChart());
        }
    }

    @Test
    void oneWindowGivesKpisComputedFromItsDocuments() {
        // Events in [10:05, 10:10): each falls into windows [10:00,10:10) and [10:05,10:15).
        ReportData data = data().random(1, 400, 30, 20, T0.plusSeconds(300), T0.plusSeconds(600));
        data.insert(db);
        ReportQueries q = new ReportQueries(db);
        Instant now = T0.plusSeconds(700); // 10:11:40: [10:00,10:10) is complete, the other not
        WindowRef w = q.kpiWindow(now).orElseThrow();
        assertEquals(new WindowRef(T0, T0.plusSeconds(600), true), w);
        Map<String, Integer> users = data.counts(Aggregate.USER)
                .get(new Win(T0.toEpochMilli(), T0.plusSeconds(600).toEpochMilli()));
        Map<String, Integer> items = data.counts(Aggregate.ITEM)
                .get(new Win(T0.toEpochMilli(), T0.plusSeconds(600).toEpochMilli()));

        Kpis k = q.kpis(w);
        assertEquals(users.size(), k.users());
        assertEquals(400, k.userInteractions());
        assertEquals(400.0 / users.size(), k.averagePerUser(), 1e-9);
        assertEquals(items.values().stream().max(Integer::compare).orElseThrow(),
                (int) k.maxItem().total());
        assertEquals(items.values().stream().min(Integer::compare).orElseThrow(),
                (int) k.minItem().total());
        assertEquals(items.size(), k.items());

        List<KeyCount> top = q.topKeys(Aggregate.ITEM, w, 5);
        assertEquals(expectedTop(items, 5), top);
        // One window of data: the top users over 6 windows are that window's counts.
        assertEquals(expectedTop(users, 3), q.topUsersOver(w, 6, 3));

        try (Dashboard d = dashboard(now)) {
            d.refresh();
            String kpis = d.kpis();
            assertTrue(kpis.contains("Average interactions per user: "
                    + Kpis.format(400.0 / users.size())), kpis);
            assertTrue(kpis.contains("complete"), kpis);
            assertInstanceOf(BufferedImage.class, d.topItemsChart());
            assertInstanceOf(BufferedImage.class, d.topUsersChart());
            assertInstanceOf(BufferedImage.class, d.windowsChart());
        }
    }

    @Test
    void beforeAnyWindowIsCompleteTheNewestWindowIsShownInProgress() {
        ReportData data = data().random(2, 50, 5, 5, T0.plusSeconds(10), T0.plusSeconds(60));
        data.insert(db);
        try (Dashboard d = dashboard(T0.plusSeconds(90))) {
            d.refresh();
            WindowRef w = d.snapshot().window();
            assertEquals(T0, w.start());
            assertFalse(w.complete());
            assertTrue(d.kpis().contains("in progress"), d.kpis());
            assertTrue(d.windowInfo().contains("No window is complete yet"), d.windowInfo());
        }
    }

    @Test
    void manyWindowsUseTheLatestCompleteWindowAndExactUserTotals() {
        // Two hours of events; "now" is 11:52, so [11:40,11:50) is the latest complete window
        // and [11:45,11:55), [11:50,12:00) are in progress.
        ReportData data = data().random(3, 6000, 200, 80, T0, T0.plus(Duration.ofMinutes(112)));
        data.insert(db);
        Instant now = T0.plus(Duration.ofMinutes(112));
        ReportQueries q = new ReportQueries(db);
        WindowRef w = q.kpiWindow(now).orElseThrow();
        Instant start = T0.plus(Duration.ofMinutes(100));
        assertEquals(new WindowRef(start, start.plus(Defaults.WINDOW), true), w);
        assertTrue(q.latestWindow(Aggregate.USER, now).orElseThrow().start()
                .isAfter(w.start()));

        Win win = new Win(start.toEpochMilli(), start.plus(Defaults.WINDOW).toEpochMilli());
        Map<String, Integer> users = data.counts(Aggregate.USER).get(win);
        Map<String, Integer> items = data.counts(Aggregate.ITEM).get(win);
        Kpis k = q.kpis(w);
        long sum = users.values().stream().mapToLong(Integer::longValue).sum();
        assertEquals(users.size(), k.users());
        assertEquals(sum, k.userInteractions());
        assertEquals(items.values().stream().max(Integer::compare).orElseThrow().longValue(),
                k.maxItem().total());
        assertEquals(items.values().stream().min(Integer::compare).orElseThrow().longValue(),
                k.minItem().total());
        assertEquals(expectedTop(items, 10), q.topKeys(Aggregate.ITEM, w, 10));

        // Top users over the last 3 non-overlapping windows = exact event counts in 30 min.
        long to = w.end().toEpochMilli();
        Map<String, Long> exact = data.userEventsBetween(to - Duration.ofMinutes(30).toMillis(),
                to);
        List<KeyCount> expected = exact.entrySet().stream()
                .map(e -> new KeyCount(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(KeyCount::total).reversed()
                        .thenComparing(KeyCount::key))
                .limit(10).toList();
        assertEquals(expected, q.topUsersOver(w, 3, 10));

        // Per-window totals: every window of the span, oldest first, with its event count.
        Instant from = w.end().minus(Duration.ofHours(1));
        List<WindowTotal> totals = q.windowTotals(Aggregate.USER, from, Defaults.WINDOW);
        List<WindowTotal> want = new ArrayList<>();
        data.counts(Aggregate.USER).forEach((x, byKey) -> {
            if (x.start() >= from.toEpochMilli()) {
                want.add(new WindowTotal(Instant.ofEpochMilli(x.start()),
                        Instant.ofEpochMilli(x.end()),
                        byKey.values().stream().mapToLong(Integer::longValue).sum(),
                        byKey.size()));
            }
        });
        assertEquals(want, totals);

        long[] counts = q.countsInWindow(Aggregate.USER, w, 100_000);
        assertEquals(sum, Arrays.stream(counts).sum());
        assertEquals(20, q.recentWindows(Aggregate.ITEM, 20).size());
    }

    @Test
    void anOldLatestWindowIsNamedAndAnEmptyItemWindowIsSaidPlainly() {
        ReportData data = data().random(4, 100, 10, 10, T0, T0.plusSeconds(240));
        data.insert(db, Aggregate.USER); // the item collection does not exist
        try (Dashboard d = dashboard(T0.plus(Duration.ofHours(3)))) {
            d.refresh();
            assertTrue(d.windowInfo().contains("newest complete window has no interactions"),
                    d.windowInfo());
            assertTrue(d.kpis().contains("no item interactions in this window"), d.kpis());
            Object chart = d.topItemsChart();
            assertInstanceOf(String.class, chart);
            assertTrue(((String) chart).startsWith("No item interactions in the window"),
                    (String) chart);
            assertTrue(d.rawItems().startsWith("No documents in " + dbName
                    + ".item_interactions"), d.rawItems());
        }
    }

    @Test
    void unreachableServerGivesOnePlainSentenceQuickly() {
        long t = System.nanoTime();
        try (Dashboard d = Dashboard.connect("mongodb://app:s3cret@127.0.0.1:9/", "kpi_db")) {
            String line = d.refresh();
            assertTrue(line.contains("MongoDB is not reachable at mongodb://app:****@127.0.0.1:9/"),
                    line);
            assertFalse(line.contains("s3cret"), line);
            assertTrue(d.kpis().startsWith("MongoDB is not reachable"), d.kpis());
            assertTrue(d.health().startsWith("MongoDB is not reachable"), d.health());
            assertInstanceOf(String.class, d.topUsersChart());
        }
        assertTrue(System.nanoTime() - t < Duration.ofSeconds(15).toNanos());
        try (Dashboard d = Dashboard.connect("not-a-uri", "kpi_db")) {
            assertTrue(d.kpis().startsWith("Invalid Mongo URI"), d.kpis());
        }
    }

    @Test
    void healthSummarisesTheLastBatches() {
        long t = T0.toEpochMilli();
        for (int b = 0; b < 5; b++) {
            new ProgressRecord("run-1", b, t + b * 10_000L, 1000L * (b + 1), 100.0 * (b + 1),
                    200.0 * (b + 1), 50 - b * 10, 25.0, 900, b, 2 * b, 500, 1500,
                    "2026-11-29T09:50:00.000Z").store(db);
        }
        List<ProgressRecord> rows = new ReportQueries(db).progress(3);
        assertEquals(List.of(2L, 3L, 4L), rows.stream().map(ProgressRecord::batchId).toList());
        ProgressRecord last = rows.get(2);
        assertEquals(5000, last.inputRows());
        assertEquals(500.0, last.inputRowsPerSecond());
        assertEquals(1000.0, last.processedRowsPerSecond());
        assertEquals(10, last.maxOffsetsBehindLatest());
        assertEquals(4, last.invalid());
        assertEquals(8, last.lateRows());
        assertEquals(1500, last.newestEventAgeMs());
        assertEquals(t + 40_000L, last.timestampMillis());
        assertEquals("run-1", last.runId());
        try (Dashboard d = dashboard(T0.plusSeconds(60)).batches(5)) {
            d.refresh();
            String h = d.health();
            assertTrue(h.contains("Lag: 10 offsets behind latest; newest event 1.5 s old when "
                    + "counted"), h);
            assertTrue(h.contains("Last 5 batches: 15000 input rows, 10 invalid events, 20 late"
                    + " rows"), h);
            assertInstanceOf(BufferedImage.class, d.throughputChart());
            assertInstanceOf(BufferedImage.class, d.lagChart());
            assertTrue(d.progressTable().contains("processed_rows_per_s"), d.progressTable());
            assertInstanceOf(BufferedImage.class, d.freshnessChart());
            assertTrue(h.contains("Freshness over the last 5 batches: median 1.5 s, max 1.5 s"),
                    h);
            assertTrue(h.contains("Watermark: 2026-11-29 09:50:00"), h);
            String table = d.progressHtml();
            assertTrue(table.contains("<td style=\"padding:2px 10px;border-bottom:1px solid "
                    + "#e5e5e5;text-align:right\">1000.0</td>"), table);
            assertTrue(table.contains(">2026-11-29 10:00:40<"), table);
        }
    }

    @Test
    void chartsAreImagesAndEncodeAsPng() {
        BufferedImage img = Charts.bars("t", "user",
                List.of(new KeyCount("a", 3), new KeyCount("b", 1)));
        assertEquals(Charts.WIDTH, img.getWidth());
        byte[] png = Charts.png(img);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        BufferedImage h = Charts.histogram("h", "interactions", new long[] {1, 2, 2, 3, 9}, 4);
        assertNotNull(h);
        String table = Tables.text(Tables.distribution("d", "n", new long[] {1, 2, 3, 4}));
        assertTrue(table.contains("mean") && table.contains("2.5"), table);
    }

    private static List<KeyCount> expectedTop(Map<String, Integer> counts, int n) {
        return counts.entrySet().stream()
                .map(e -> new KeyCount(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(KeyCount::total).reversed()
                        .thenComparing(KeyCount::key))
                .limit(n).toList();
    }
}
