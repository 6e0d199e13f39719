package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.Windows;
import analytics.mongo.ProgressRecord;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import analytics.testkit.Topics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the headless render command ({@code scripts/notebooks.sh render}) as a process against a
 * database of its own, as cron or a runbook would, and checks the HTML it writes: the KPI values
 * (computed here, independently, from the same events) and PNG charts; a database without data;
 * a Mongo server that does not answer (decision: the report is still written and the command
 * exits 0, each cell saying the server is not reachable; only a failing cell exits non-zero).
 *
 * <p>The data is written by the real consumer ({@link #seed}) from events sent to Kafka.
 */
@ExtendWith(StackExtension.class)
class NotebookRenderTest {
    private static final Pattern PNG = Pattern.compile("src=\"data:image/png;base64,");
    private static boolean built;

    /** The KPIs the dashboard must show for the seeded data, computed from the events. */
    record Expected(double averagePerUser, long maxItem, long minItem, int events) {
    }

    @Test
    void dashboardAndExploreShowKpisOfTheSeededWindowAndCharts(TestStack stack)
            throws IOException {
        String db = stack.newDatabaseName();
        Expected want = seed(stack, db, Instant.now());
        Document lastBatch = stack.mongo().getDatabase(db)
                .getCollection(analytics.mongo.KpiSchema.PROGRESS_COLLECTION).find()
                .sort(new Document(ProgressRecord.BATCH_ID, -1)).first();
        assertTrue(lastBatch != null, "the consumer wrote its progress");
        Path reports = reportsDir("seeded");

        Rendered r = render(stack.mongoUri(), db, reports, "dashboard");
        assertEquals(0, r.exitCode(), r.log());
        String html = r.html();
        assertEquals(String.format(Locale.ROOT, "%.2f", want.averagePerUser()),
                kpi(html, "avg-per-user"), html(html));
        assertEquals(Long.toString(want.maxItem()), kpi(html, "max-per-item"), html(html));
        assertEquals(Long.toString(want.minItem()), kpi(html, "min-per-item"), html(html));
        assertTrue(html.contains("Last batch: " + lastBatch.get(ProgressRecord.BATCH_ID)),
                html(html));
        assertTrue(html.contains("Live refresh off"), html(html));
        // Top users and top items as ranked bars (10 each: the seed has more keys).
        assertEquals(20, count(Pattern.compile("class=\"dash-bar\" data-rank="), html));
        // Activity per window, freshness, throughput, lag.
        assertTrue(count(PNG, html) >= 4, "PNG charts: " + count(PNG, html));
        assertFalse(html.contains("Exception"), html(html));

        Rendered e = render(stack.mongoUri(), db, reports, "explore");
        assertEquals(0, e.exitCode(), e.log());
        String ex = e.html();
        assertTrue(count(PNG, ex) >= 3, "PNG charts: " + count(PNG, ex));
        assertTrue(ex.contains("over the non-overlapping ones"), html(ex));
        assertTrue(ex.contains("expected about 2.00"), html(ex));
    }

    @Test
    void emptyDatabaseRendersPlainNoDataMessagesAndExitsZero(TestStack stack)
            throws IOException {
        String db = stack.newDatabaseName();
        Rendered r = render(stack.mongoUri(), db, reportsDir("empty"), "dashboard");
        assertEquals(0, r.exitCode(), r.log());
        String html = r.html();
        assertTrue(html.contains("No data yet: database " + db), html(html));
        assertTrue(html.contains("No pipeline progress yet"), html(html));
        assertEquals(0, count(PNG, html));
        assertFalse(html.contains("Exception"), html(html));
    }

    @Test
    void unreachableMongoRendersOnePlainSentenceAndExitsZero() throws IOException {
        String uri = "mongodb://127.0.0.1:" + StackExtension.freePort();
        Rendered r = render(uri, "kpi_db", reportsDir("unreachable"), "dashboard");
        assertEquals(0, r.exitCode(), r.log());
        String html = r.html();
        assertTrue(html.contains("MongoDB is not reachable at " + uri), html(html));
        assertFalse(html.contains("Exception"), html(html));
    }

    @Test
    void aFailingCellFailsTheRenderButTheReportIsStillWritten() throws IOException {
        Path reports = reportsDir("failing");
        Path nb = reports.resolve("failing.ipynb");
        String cell = "{\"cell_type\": \"code\", \"execution_count\": null, \"metadata\": {},"
                + " \"outputs\": [], \"source\": \"%s\"}";
        Files.writeString(nb, "{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": "
                + "{\"kernelspec\": {\"name\": \"rapaio-jupyter-kernel\", \"language\": \"java\","
                + " \"display_name\": \"Java\"}}, \"cells\": ["
                + String.format(cell, "\\\"first cell ran\\\"") + ", "
                + String.format(cell, "Integer.parseInt(\\\"not a number\\\")") + ", "
                + String.format(cell, "\\\"never runs\\\"") + "]}");
        Rendered r = render("mongodb://127.0.0.1:1", "kpi_db", reports, nb);
        assertEquals(1, r.exitCode(), r.log());
        assertTrue(r.log().contains("a cell failed"), r.log());
        String html = r.html();
        assertTrue(html.contains("first cell ran"), html(html));
        assertTrue(html.contains("NumberFormatException"), html(html));
        assertFalse(html.contains("never runs"), html(html));
    }

    // ---- the data --------------------------------------------------------------------------

    /**
     * Sends 45 minutes of events (in event-time order, so none is behind the watermark) to a
     * fresh topic and runs the real consumer on them as a process ({@code ./jbang consumer
     * --available-now}, several micro-batches), so the notebooks read what the consumer wrote;
     * returns the KPIs of the window the dashboard must pick, computed here from the events.
     * All events end at T, a slide boundary at least one slide before now, so every window
     * with data is complete and the KPI window, [T - 5 min, T + 5 min), cannot change while
     * the test runs.
     */
    static Expected seed(TestStack stack, String db, Instant now) throws IOException {
        Windows windows = new Windows(Defaults.WINDOW, Defaults.SLIDE);
        long slide = Defaults.SLIDE.toMillis();
        long t = (now.toEpochMilli() / slide) * slide - slide;
        long from = t - Duration.ofMinutes(45).toMillis();
        Random random = new Random(42);
        Map<String, Integer> users = new HashMap<>();
        Map<String, Integer> items = new HashMap<>();
        long kpiStart = t - slide;
        long kpiEnd = windows.end(kpiStart);
        int events = 3000;
        List<InteractionEvent> stream = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            long time = from + (long) (random.nextDouble() * (t - from));
            // Skewed choices, as real traffic: a few hot users and items.
            String user = String.format("user_%03d",
                    (int) (150 * Math.pow(random.nextDouble(), 2)));
            String item = String.format("item_%03d",
                    (int) (60 * Math.pow(random.nextDouble(), 3)));
            stream.add(new InteractionEvent(user, item,
                    InteractionType.values()[random.nextInt(5)], Instant.ofEpochMilli(time)));
            if (time >= kpiStart && time < kpiEnd) {
                users.merge(user, 1, Integer::sum);
                items.merge(item, 1, Integer::sum);
            }
        }
        stream.sort(Comparator.comparing(InteractionEvent::timestamp));
        String topic = stack.createTopic(1);
        EventCodec codec = new EventCodec();
        Topics.send(stack.kafkaBootstrap(), topic, stream.stream().map(codec::encode).toList());
        Path checkpoint = Files.createTempDirectory("ck-notebooks-");
        Scripts.Result run = Scripts.run(Duration.ofMinutes(10), "consumer",
                "--brokers", stack.kafkaBootstrap(), "--topic", topic,
                "--mongo-uri", stack.mongoUri(), "--db", db,
                "--checkpoint-base", checkpoint.toString(), "--master", "local[2]",
                "--max-offsets-per-trigger", "600", "--available-now");
        assertEquals(0, run.exitCode(), run.output());
        long inWindow = users.values().stream().mapToLong(Integer::longValue).sum();
        return new Expected((double) inWindow / users.size(),
                items.values().stream().mapToInt(Integer::intValue).max().orElseThrow(),
                items.values().stream().mapToInt(Integer::intValue).min().orElseThrow(), events);
    }

    // ---- running the command ----------------------------------------------------------------

    record Rendered(int exitCode, String log, Path htmlFile) {
        String html() throws IOException {
            assertTrue(Files.exists(htmlFile), "no report written\n" + log);
            return Files.readString(htmlFile, StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code scripts/notebooks.sh render notebooks/<name>.ipynb} and waits for it. */
    static Rendered render(String mongoUri, String db, Path reports, String name)
            throws IOException {
        return render(mongoUri, db, reports,
                Scripts.projectRoot().resolve("notebooks/" + name + ".ipynb"));
    }

    /** Runs {@code scripts/notebooks.sh render NOTEBOOK} and waits for it. */
    static Rendered render(String mongoUri, String db, Path reports, Path notebook)
            throws IOException {
        String name = notebook.getFileName().toString().replaceFirst("\\.ipynb$", "");
        Path log = Files.createTempFile("render-" + name + "-", ".log");
        ProcessBuilder pb = Scripts.notebooks(log, mongoUri, db, "render", notebook.toString());
        Map<String, String> env = pb.environment();
        env.put("REPORTS_DIR", reports.toString());
        // The first render builds lib-src's classpath; the others reuse it.
        env.put("NOTEBOOKS_SKIP_BUILD", built ? "1" : "0");
        Process p = pb.start();
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("render did not finish in 10 min\n"
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        built = true;
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Rendered(p.exitValue(), out, reports.resolve(name + ".html"));
    }

    private static Path reportsDir(String name) throws IOException {
        Path dir = Scripts.projectRoot().resolve("tests/target/notebook-reports/" + name);
        Files.createDirectories(dir);
        return dir;
    }

    /** The value of the KPI card {@code id} in a page or report. */
    static String kpi(String html, String id) {
        Matcher m = Pattern.compile("data-kpi=\"" + Pattern.quote(id)
                + "\"[^>]*>.*?<div class=\"dash-kpi-value\"[^>]*>([^<]*)</div>",
                Pattern.DOTALL).matcher(html);
        return m.find() ? m.group(1) : null;
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The report's text without tags and images, for assertion messages. */
    private static String html(String html) {
        String text = html.replaceAll("(?s)<style.*?</style>", "")
                .replaceAll("(?s)<script.*?</script>", "")
                .replaceAll("data:image/png;base64,[A-Za-z0-9+/=\\s]+", "PNG")
                .replaceAll("<[^>]+>", "").replaceAll("\\n\\s*\\n+", "\n");
        return text.length() > 6000 ? text.substring(0, 6000) : text;
    }
}
