package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import analytics.testkit.Scripts;
import analytics.testkit.StackExtension;
import analytics.testkit.TestStack;
import com.mongodb.client.MongoDatabase;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The served dashboard ({@code scripts/notebooks.sh serve}) in a real browser: Debian's
 * Chromium driven by its chromedriver through Selenium (nothing downloaded; both installed by
 * {@code scripts/browser-setup.sh}). The page is served as a user would run it, as a process,
 * against documents written here; the expected KPIs are computed here from the same documents.
 * Every test keeps a screenshot under {@code tests/target/browser-screenshots/} and fails on an
 * error in the browser's console.
 *
 * <p>Ports: {@code TEST_DASHBOARD_PORT} (and the next one) when set, else free ones.
 */
@ExtendWith(StackExtension.class)
class DashboardPageBrowserTest {
    /** The serve's refresh interval here: the default. */
    private static final Duration REFRESH = Duration.ofSeconds(5);
    /** A cold start: the kernel and the first refresh, on a busy machine. */
    private static final Duration FIRST_NUMBERS = Duration.ofMinutes(4);
    private static final Path SHOTS = Scripts.projectRoot()
            .resolve("tests/target/browser-screenshots");

    private static Served served;
    private static MongoDatabase db;
    private static Seeded seeded;
    private static boolean built;

    private ChromeDriver driver;
    private Path profile;

    /** The documents of the KPI window, as written. */
    record Seeded(long kpiStart, long kpiEnd, Map<String, Integer> users,
                  Map<String, Integer> items) {
        String average() {
            long sum = users.values().stream().mapToLong(Integer::longValue).sum();
            return String.format(Locale.ROOT, "%.2f", (double) sum / users.size());
        }

        String max() {
            return Integer.toString(items.values().stream().mapToInt(i -> i).max().orElseThrow());
        }

        String min() {
            return Integer.toString(items.values().stream().mapToInt(i -> i).min().orElseThrow());
        }
    }

    @BeforeAll
    static void serveSeededDatabase(TestStack stack) throws IOException {
        String name = stack.newDatabaseName();
        db = stack.mongo().getDatabase(name);
        seeded = seed(db, Instant.now());
        served = Served.start(stack.mongoUri(), name, port(0));
    }

    @AfterAll
    static void stopServing() {
        if (served != null) {
            served.close();
        }
        if (db != null) {
            db.drop();
        }
    }

    @BeforeEach
    void browser() throws IOException {
        profile = Files.createTempDirectory("dashboard-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1300,2000",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void screenshotAndConsole(TestInfo info) throws IOException {
        try {
            Files.createDirectories(SHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SHOTS.resolve(info.getTestMethod().orElseThrow().getName()
                    + ".png"), StandardCopyOption.REPLACE_EXISTING);
            assertNoConsoleErrors();
        } finally {
            driver.quit();
            deleteTree(profile);
        }
    }

    @Test
    void kpiCardsShowTheValuesOfTheKpiWindowsDocuments() {
        open(served.url(""));
        assertEquals(seeded.average(), kpiWhenShown("avg-per-user", FIRST_NUMBERS),
                served.log());
        assertEquals(seeded.max(), kpi("max-per-item"));
        assertEquals(seeded.min(), kpi("min-per-item"));
        String window = text(".dash-kpi-window");
        assertTrue(window.contains(WindowRef.TIME.format(Instant.ofEpochMilli(seeded.kpiStart()))),
                window);
        // The health section: freshness per batch, and no epoch watermark.
        String page = driver.findElement(By.id("dashboard")).getText();
        assertTrue(page.contains("Freshness over the last 5 batches: median 1.2 s"), page);
        assertTrue(page.contains("Watermark: none yet"), page);
    }

    @Test
    void documentsWrittenAfterThePageOpenedAppearWithinTwoRefreshIntervals() {
        open(served.url(""));
        assertEquals(seeded.average(), kpiWhenShown("avg-per-user", FIRST_NUMBERS),
                served.log());
        // A new user with 120 interactions in the KPI window: a new average and a new leader.
        Map<String, Integer> users = new TreeMap<>(seeded.users());
        users.put("user_late", 120);
        String want = new Seeded(0, 0, users, seeded.items()).average();
        WindowCount late = new WindowCount(Aggregate.USER, "user_late", seeded.kpiStart(),
                seeded.kpiEnd(), 120);
        db.getCollection(Aggregate.USER.collection()).insertOne(late.toDocument());
        try {
            long written = System.nanoTime();
            Duration budget = REFRESH.multipliedBy(2);
            new WebDriverWait(driver, budget.plusSeconds(1), Duration.ofMillis(100)).until(
                    d -> want.equals(kpi("avg-per-user")));
            Duration took = Duration.ofNanos(System.nanoTime() - written);
            assertTrue(took.compareTo(budget) <= 0, "new documents shown after "
                    + took.toMillis() + " ms, more than two refresh intervals ("
                    + budget.toMillis() + " ms)");
            // The ranking has the new user too (among the bars the page holds).
            Object keys = ((JavascriptExecutor) driver).executeScript("return Array.from("
                    + "document.querySelectorAll('.dash-bars[data-what=\"users\"] .dash-bar-key'))"
                    + ".map(k => k.textContent).join(' ');");
            assertTrue(((String) keys).contains("user_late"), (String) keys);
        } finally {
            db.getCollection(Aggregate.USER.collection()).deleteOne(new Document("_id",
                    late.id()));
        }
    }

    @Test
    void topNFromTheUrlAndFromTheControlsSetTheNumberOfBars() {
        open(served.url("?users=3&items=2&raw=0"));
        kpiWhenShown("avg-per-user", FIRST_NUMBERS);
        assertEquals(3, visibleBars("users"));
        assertEquals(2, visibleBars("items"));
        assertTrue(count(".dash-raw", false) > 0 && count(".dash-raw", true) == 0,
                "raw tables hidden by raw=0");
        // The slider, moved as a person does: two steps right.
        WebElement slider = driver.findElement(By.id("ctl-users"));
        slider.sendKeys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT);
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(d -> visibleBars("users") == 5);
        assertTrue(driver.getCurrentUrl().contains("users=5"), driver.getCurrentUrl());
        assertEquals("Top 5 users", text(".dash-bars[data-what=users] .dash-bars-title")
                .substring(0, 11));
        // Every key of the window when N is larger than the window has.
        WebElement items = driver.findElement(By.id("ctl-items"));
        items.sendKeys(Keys.END);
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(
                d -> visibleBars("items") == seeded.items().size());
        driver.findElement(By.id("ctl-raw")).click();
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(
                d -> count(".dash-raw", true) == count(".dash-raw", false));
        // The view survives a refresh of the numbers.
        String stamp = driver.findElement(By.id("dash-page-stamp")).getText();
        new WebDriverWait(driver, REFRESH.multipliedBy(3)).until(d -> !stamp.equals(
                d.findElement(By.id("dash-page-stamp")).getText()));
        assertEquals(5, visibleBars("users"));
    }

    @Test
    void anUnreachableMongoIsSaidPlainlyAndTheServeLeavesNoKernelWhenKilled()
            throws Exception {
        String uri = "mongodb://127.0.0.1:" + StackExtension.freePort();
        try (Served down = Served.start(uri, "kpi_db", port(1))) {
            open(down.url(""));
            new WebDriverWait(driver, FIRST_NUMBERS, Duration.ofMillis(250)).until(d ->
                    text("#dashboard .dash-message").startsWith("MongoDB is not reachable at "
                            + uri));
            String page = driver.findElement(By.id("dashboard")).getText();
            assertTrue(page.contains("Is the stack up?"), page);
            assertTrue(!page.contains("Exception"), page);
            assertNoConsoleErrors();
            // The page would now (rightly) log the server's absence: leave it first.
            driver.get("about:blank");
            // A serve killed without a chance to clean up takes its kernel with it.
            List<ProcessHandle> children = down.process.descendants().toList();
            assertTrue(children.stream().anyMatch(p -> p.info().commandLine().orElse("")
                    .contains("rapaio-jupyter-kernel")), "no kernel among " + children);
            down.process.destroyForcibly();
            down.process.waitFor(30, TimeUnit.SECONDS);
            try {
                CompletableFuture.allOf(children.stream().map(ProcessHandle::onExit)
                        .toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // said below
            }
            assertTrue(children.stream().noneMatch(ProcessHandle::isAlive),
                    "left behind: " + children.stream().filter(ProcessHandle::isAlive)
                            .map(p -> p.pid() + " " + p.info().command().orElse(""))
                            .collect(Collectors.joining(", ")));
        }
    }

    // ---- the page ----------------------------------------------------------------------------

    private void assertNoConsoleErrors() {
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertTrue(severe.isEmpty(), "errors in the browser console: " + severe);
    }

    private void open(String url) {
        driver.get(url);
    }

    private String kpiWhenShown(String id, Duration wait) {
        new WebDriverWait(driver, wait, Duration.ofMillis(250)).until(d -> kpi(id) != null);
        return kpi(id);
    }

    /**
     * The value of a KPI card, or null while there is none. Read in one script: the page swaps
     * in new numbers at any moment, which would make an element found a moment ago stale.
     */
    private String kpi(String id) {
        Object v = ((JavascriptExecutor) driver).executeScript("var e = document.querySelector("
                + "\".dash-kpi[data-kpi='" + id + "'] .dash-kpi-value\");"
                + " return e ? e.textContent.trim() : null;");
        return (String) v;
    }

    /** The text of the first element matching {@code css}, "" when none (read in one script). */
    private String text(String css) {
        Object v = ((JavascriptExecutor) driver).executeScript("var e = document.querySelector("
                + "arguments[0]); return e ? e.textContent.trim() : '';", css);
        return (String) v;
    }

    private int visibleBars(String what) {
        return count(".dash-bars[data-what=\"" + what + "\"] .dash-bar", true);
    }

    /** How many elements match {@code css} (only the visible ones if asked), in one script. */
    private int count(String css, boolean visible) {
        Object n = ((JavascriptExecutor) driver).executeScript("return Array.from("
                + "document.querySelectorAll(arguments[0]))"
                + ".filter(b => !arguments[1] || b.offsetParent !== null).length;", css, visible);
        return ((Number) n).intValue();
    }

    // ---- the data ----------------------------------------------------------------------------

    /**
     * Six complete windows that tile the last hour, the newest being the KPI window, none in
     * progress (so the KPI window stays the same however long the test runs), 12 users and 7
     * items with random counts; five micro-batches whose newest events were 1.0-1.4 s old, with
     * Spark's epoch watermark.
     */
    static Seeded seed(MongoDatabase db, Instant now) {
        KpiSchema.ensureIndexes(db);
        long slide = Defaults.SLIDE.toMillis();
        long length = Defaults.WINDOW.toMillis();
        long kpiEnd = (now.toEpochMilli() / slide) * slide;
        long kpiStart = kpiEnd - length;
        Random random = new Random(17);
        Map<String, Integer> users = new TreeMap<>();
        Map<String, Integer> items = new TreeMap<>();
        List<Document> userDocs = new ArrayList<>();
        List<Document> itemDocs = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            long start = kpiStart - w * length;
            for (int u = 0; u < 12; u++) {
                int n = 1 + random.nextInt(30);
                userDocs.add(new WindowCount(Aggregate.USER, String.format("user_%02d", u), start,
                        start + length, n).toDocument());
                if (w == 0) {
                    users.put(String.format("user_%02d", u), n);
                }
            }
            for (int i = 0; i < 7; i++) {
                int n = 1 + random.nextInt(50);
                itemDocs.add(new WindowCount(Aggregate.ITEM, String.format("item_%02d", i), start,
                        start + length, n).toDocument());
                if (w == 0) {
                    items.put(String.format("item_%02d", i), n);
                }
            }
        }
        db.getCollection(Aggregate.USER.collection()).insertMany(userDocs);
        db.getCollection(Aggregate.ITEM.collection()).insertMany(itemDocs);
        for (int b = 0; b < 5; b++) {
            new ProgressRecord("browser-test", b, now.toEpochMilli() - (5 - b) * 2000L, 100,
                    50.0, 523.3911774749324, 0, 0, 300, 0, 0, 20, 1000 + 100L * b,
                    "1970-01-01T00:00:00.000Z").store(db);
        }
        return new Seeded(kpiStart, kpiEnd, users, items);
    }

    // ---- serving -----------------------------------------------------------------------------

    private static int port(int n) {
        String base = System.getenv("TEST_DASHBOARD_PORT");
        return base == null || base.isBlank() ? StackExtension.freePort()
                : Integer.parseInt(base.trim()) + n;
    }

    /** {@code scripts/notebooks.sh serve} as a process. */
    static final class Served implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;

        private Served(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        static Served start(String mongoUri, String db, int port) throws IOException {
            Path log = Files.createTempFile("serve-" + port + "-", ".log");
            ProcessBuilder pb = Scripts.notebooks(log, mongoUri, db, "serve",
                    "--port", Integer.toString(port), "--refresh", REFRESH.toSeconds() + "s");
            // The first serve builds lib-src's classpath; the second reuses it.
            pb.environment().put("NOTEBOOKS_SKIP_BUILD", built ? "1" : "0");
            built = true;
            Served served = new Served(pb.start(), port, log);
            served.awaitPage(Duration.ofMinutes(5));
            return served;
        }

        /** Waits until the page's URL answers (set-up, the classpath build, Jupyter Server). */
        private void awaitPage(Duration timeout) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                    .build();
            HttpRequest get = HttpRequest.newBuilder(URI.create(url("")))
                    .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError("serve exited with " + process.exitValue() + "\n"
                            + log());
                }
                try {
                    if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode()
                            == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                try {
                    process.waitFor(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            throw new AssertionError("the page did not answer within " + timeout + "\n" + log());
        }

        String url(String query) {
            return "http://127.0.0.1:" + port + "/static/dashboard/index.html" + query;
        }

        String log() {
            try {
                String s = Files.readString(log, StandardCharsets.UTF_8);
                return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM: the serve stops its kernel and server
                try {
                    if (!process.waitFor(60, TimeUnit.SECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }
}
