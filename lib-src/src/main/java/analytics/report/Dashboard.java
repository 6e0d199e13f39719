package analytics.report;

import analytics.core.Defaults;
import analytics.core.Secrets;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.MongoConnections;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;

import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The dashboard of the notebooks: {@link #refresh()} runs every query once and keeps the
 * results; each view returns what a notebook cell shows, a {@link BufferedImage} (an inline PNG)
 * or plain text. Nothing here throws: no data yet, a missing collection, an empty window or an
 * unreachable server each become one plain sentence.
 *
 * <p>What is computed over which windows (windows overlap: 10 minutes sliding every 5):
 * <ul>
 *   <li>KPIs (average interactions per user, maximum and minimum interactions per item): over
 *   the <b>KPI window</b>, the latest complete window (end not after now) of
 *   {@code user_interactions}; before any window is complete, the newest one, marked
 *   "in progress".</li>
 *   <li>Top-N items: the KPI window.</li>
 *   <li>Top-N users: interactions summed over the last {@link #userWindows} non-overlapping
 *   windows ending with the KPI window (default 6: the last hour), i.e. each user's exact event
 *   count in that span. Summing all (overlapping) windows would count every event twice.</li>
 *   <li>Interactions per window: every window that started in the last {@link #span}.</li>
 *   <li>Pipeline health: the consumer's last {@link #batches} micro-batches.</li>
 * </ul>
 *
 * <p>Usage: {@code var d = Dashboard.connect(uri, "kpi_db").topUsers(10).topItems(10);
 * d.refresh(); d.kpis(); d.topUsersChart(); ...; d.close();}
 */
public final class Dashboard implements AutoCloseable {
    /** Server selection gives up after this: a cell says "not reachable" quickly. */
    public static final Duration SELECTION_TIMEOUT = Duration.ofSeconds(3);

    private final String uri;
    private final String dbName;
    private final MongoClient client;
    private final String connectError;
    private Clock clock = Clock.systemUTC();
    private int topUsers = 10;
    private int topItems = 10;
    private int userWindows = 6;
    private Duration span = Duration.ofHours(2);
    private int batches = 60;
    private int rawRows = 20;
    private Snapshot snapshot;

    private Dashboard(String uri, String dbName, MongoClient client, String connectError) {
        this.uri = uri;
        this.dbName = dbName;
        this.client = client;
        this.connectError = connectError;
    }

    /** A dashboard on the database; never throws (a bad URI becomes the message of each view). */
    public static Dashboard connect(String uri, String dbName) {
        try {
            return new Dashboard(uri, dbName, MongoConnections.open(uri, SELECTION_TIMEOUT), null);
        } catch (RuntimeException e) {
            return new Dashboard(uri, dbName, null, "Invalid Mongo URI " + Secrets.maskUri(uri)
                    + ": " + Secrets.mask(firstLine(e)));
        }
    }

    public Dashboard topUsers(int n) {
        this.topUsers = Math.max(1, n);
        return this;
    }

    public Dashboard topItems(int n) {
        this.topItems = Math.max(1, n);
        return this;
    }

    /** How many non-overlapping windows the top-users ranking sums (default 6). */
    public Dashboard userWindows(int k) {
        this.userWindows = Math.max(1, k);
        return this;
    }

    /** How far back the per-window chart goes (default 2 hours). */
    public Dashboard span(Duration span) {
        this.span = span;
        return this;
    }

    /** How many micro-batches the health section shows (default 60). */
    public Dashboard batches(int n) {
        this.batches = Math.max(1, n);
        return this;
    }

    /** How many rows each raw table shows (default 20). */
    public Dashboard rawRows(int n) {
        this.rawRows = Math.max(1, n);
        return this;
    }

    /** The clock that defines "now" for complete windows (tests fix it). */
    public Dashboard clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Everything the views show, taken at one moment. */
    public record Snapshot(Instant takenAt, String error, String noData, WindowRef window,
                           Kpis kpis, String kpiError, List<KeyCount> topUsers,
                           List<KeyCount> topItems, String rankError,
                           List<WindowTotal> userTotals, List<WindowTotal> itemTotals,
                           String totalsError, List<ProgressRecord> progress, String progressError,
                           List<WindowCount> rawUsers, List<WindowCount> rawItems,
                           String rawError) {
    }

    /** Runs the queries again; returns when (to the second) and what it found, in one line. */
    public String refresh() {
        snapshot = take();
        return status(snapshot);
    }

    private String status(Snapshot s) {
        String when = Tables.SECONDS.format(s.takenAt()) + " UTC";
        if (s.error() != null) {
            return "Refreshed at " + when + ": " + s.error();
        }
        if (s.noData() != null) {
            return "Refreshed at " + when + ": " + s.noData();
        }
        return "Refreshed at " + when + " from " + dbName + " at " + Secrets.maskUri(uri)
                + ": KPI window " + s.window().label();
    }

    /** The last snapshot (taking one first if there is none). */
    public Snapshot snapshot() {
        if (snapshot == null) {
            refresh();
        }
        return snapshot;
    }

    private Snapshot take() {
        Instant now = clock.instant();
        if (connectError != null) {
            return failed(now, connectError);
        }
        ReportQueries q = new ReportQueries(client.getDatabase(dbName));
        List<String> names;
        try {
            names = q.collectionNames();
        } catch (RuntimeException e) {
            return failed(now, explain(e));
        }
        List<String> missing = new ArrayList<>();
        for (Aggregate a : Aggregate.values()) {
            if (!names.contains(a.collection())) {
                missing.add(a.collection());
            }
        }
        String noData = null;
        WindowRef w = null;
        if (missing.size() == Aggregate.values().length) {
            noData = "No data yet: database " + dbName + " has no collection "
                    + String.join(" or ", missing) + ". Run the producer and the consumer.";
        } else {
            try {
                Optional<WindowRef> kw = q.kpiWindow(now);
                if (kw.isEmpty()) {
                    noData = "No data yet: " + dbName + "." + Aggregate.USER.collection()
                            + (missing.contains(Aggregate.USER.collection())
                            ? " does not exist." : " is empty.")
                            + " Run the producer and the consumer.";
                } else {
                    w = kw.get();
                }
            } catch (RuntimeException e) {
                return failed(now, explain(e));
            }
        }
        Kpis kpis = null;
        String kpiError = null;
        List<KeyCount> users = List.of();
        List<KeyCount> items = List.of();
        String rankError = null;
        if (w != null) {
            WindowRef kw = w;
            Outcome<Kpis> k = attempt(() -> q.kpis(kw));
            kpis = k.value();
            kpiError = k.error();
            Outcome<List<KeyCount>> u = attempt(() -> q.topUsersOver(kw, userWindows, topUsers));
            Outcome<List<KeyCount>> i = attempt(() -> q.topKeys(Aggregate.ITEM, kw, topItems));
            users = u.value() == null ? List.of() : u.value();
            items = i.value() == null ? List.of() : i.value();
            rankError = u.error() != null ? u.error() : i.error();
        }
        Instant from = w == null ? now.minus(span) : w.end().minus(span);
        Duration length = w == null ? Defaults.WINDOW : w.length();
        Outcome<List<WindowTotal>> ut = w == null ? new Outcome<>(List.of(), null)
                : attempt(() -> q.windowTotals(Aggregate.USER, from, length));
        Outcome<List<WindowTotal>> it = w == null ? new Outcome<>(List.of(), null)
                : attempt(() -> q.windowTotals(Aggregate.ITEM, from, length));
        Outcome<List<ProgressRecord>> p = names.contains(KpiSchema.PROGRESS_COLLECTION)
                ? attempt(() -> q.progress(batches)) : new Outcome<>(List.of(), null);
        Outcome<List<WindowCount>> ru = names.contains(Aggregate.USER.collection())
                ? attempt(() -> q.recentWindows(Aggregate.USER, rawRows))
                : new Outcome<>(List.of(), null);
        Outcome<List<WindowCount>> ri = names.contains(Aggregate.ITEM.collection())
                ? attempt(() -> q.recentWindows(Aggregate.ITEM, rawRows))
                : new Outcome<>(List.of(), null);
        return new Snapshot(now, null, noData, w, kpis, kpiError, users, items, rankError,
                orEmpty(ut.value()), orEmpty(it.value()), firstNonNull(ut.error(), it.error()),
                orEmpty(p.value()), p.error(), orEmpty(ru.value()), orEmpty(ri.value()),
                firstNonNull(ru.error(), ri.error()));
    }

    private static Snapshot failed(Instant now, String error) {
        return new Snapshot(now, error, null, null, null, null, List.of(), List.of(), null,
                List.of(), List.of(), null, List.of(), null, List.of(), List.of(), null);
    }

    // ---- views: each returns what a cell shows ------------------------------------------

    /** The KPI window and how the sections use it, or why there is none. */
    public String windowInfo() {
        Snapshot s = snapshot();
        String problem = problem(s);
        if (problem != null) {
            return problem;
        }
        WindowRef w = s.window();
        String text = "KPI window: " + w.label() + ".\n"
                + "KPIs and top items: this window. Top users: the " + userWindows
                + " non-overlapping windows ending with it (" + describe(w, userWindows) + ").";
        if (!w.complete()) {
            text += "\nNo window is complete yet: the numbers of this one still grow.";
        } else {
            Duration age = Duration.between(w.end(), s.takenAt());
            if (age.compareTo(w.length()) > 0) {
                text += "\nNote: the newest complete window has no interactions; this window"
                        + " ended " + age.toMinutes() + " min ago (is the consumer running?).";
            }
        }
        return text;
    }

    /** The KPIs as text: one per line, with the window they cover. */
    public String kpis() {
        Snapshot s = snapshot();
        String problem = problem(s);
        if (problem != null) {
            return problem;
        }
        return s.kpiError() != null ? s.kpiError() : s.kpis().text();
    }

    /** Top-N users (bar chart) or why there is none. */
    public Object topUsersChart() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        if (problem != null) {
            return problem;
        }
        if (s.topUsers().isEmpty()) {
            return "No user interactions in " + describe(s.window(), userWindows) + ".";
        }
        return Charts.bars("Top " + s.topUsers().size() + " users, "
                + describe(s.window(), userWindows), "user", s.topUsers());
    }

    /** Top-N items of the KPI window (bar chart) or why there is none. */
    public Object topItemsChart() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        if (problem != null) {
            return problem;
        }
        if (s.topItems().isEmpty()) {
            return "No item interactions in the window " + s.window().label() + ".";
        }
        return Charts.bars("Top " + s.topItems().size() + " items, window "
                + s.window().label(), "item", s.topItems());
    }

    /** Top users as a table (text). */
    public String topUsersTable() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        return problem != null ? problem : Tables.text(Tables.keyCounts("Top users, "
                + describe(s.window(), userWindows), "user_id", s.topUsers()));
    }

    /** Top items as a table (text). */
    public String topItemsTable() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        return problem != null ? problem : Tables.text(Tables.keyCounts("Top items, window "
                + s.window().label(), "item_id", s.topItems()));
    }

    /**
     * Activity per window over the span (line chart): events per window, and distinct active
     * users and items per window; or why there is none.
     */
    public Object windowsChart() {
        Snapshot s = snapshot();
        String problem = problem(s);
        if (problem != null) {
            return problem;
        }
        if (s.totalsError() != null) {
            return s.totalsError();
        }
        if (s.userTotals().isEmpty() && s.itemTotals().isEmpty()) {
            return "No windows in the last " + span.toMinutes() + " min.";
        }
        return Charts.activity("Activity per window (windows overlap; last "
                + span.toMinutes() + " min)", s.userTotals(), s.itemTotals());
    }

    /**
     * Pipeline health as text: the last batch (its start to the second and how long ago), lag,
     * freshness (the newest event's age when counted: the last batch's, and the median and
     * maximum over the batches shown), rates, invalid and late counts, and the watermark
     * ("none yet" before Spark has one).
     */
    public String health() {
        Snapshot s = snapshot();
        if (s.error() != null) {
            return s.error();
        }
        if (s.progressError() != null) {
            return s.progressError();
        }
        List<ProgressRecord> p = s.progress();
        if (p.isEmpty()) {
            return "No pipeline progress yet: " + dbName + "." + KpiSchema.PROGRESS_COLLECTION
                    + " is missing or empty (the consumer writes one document per micro-batch).";
        }
        ProgressRecord last = p.get(p.size() - 1);
        long invalid = p.stream().mapToLong(ProgressRecord::invalid).sum();
        long late = p.stream().mapToLong(ProgressRecord::lateRows).sum();
        long rows = p.stream().mapToLong(ProgressRecord::inputRows).sum();
        long[] ages = p.stream().mapToLong(ProgressRecord::newestEventAgeMs).filter(a -> a >= 0)
                .sorted().toArray();
        String freshness = ages.length == 0 ? "no batch with events"
                : "median " + ProgressRecord.age(ages[(ages.length - 1) / 2]) + ", max "
                + ProgressRecord.age(ages[ages.length - 1]) + " (" + ages.length
                + " batches with events)";
        Duration ago = Duration.between(last.timestamp(), s.takenAt());
        return String.format(Locale.ROOT,
                "Last batch: %d at %s UTC (%s ago)%n"
                        + "Lag: %s offsets behind latest; newest event %s old when counted%n"
                        + "Freshness over the last %d batches: %s%n"
                        + "Input rate: %s rows/s, processed rate: %s rows/s (last batch)%n"
                        + "Last %d batches: %d input rows, %d invalid events, %d late rows%n"
                        + "Watermark: %s",
                last.batchId(), Tables.SECONDS.format(last.timestamp()), ago(ago),
                last.maxOffsetsBehindLatest() < 0 ? "unknown"
                        : Long.toString(last.maxOffsetsBehindLatest()),
                ProgressRecord.age(last.newestEventAgeMs()), p.size(), freshness,
                ProgressRecord.rate(last.inputRowsPerSecond()),
                ProgressRecord.rate(last.processedRowsPerSecond()), p.size(), rows,
                invalid, late, Tables.watermarkText(last));
    }

    /** Freshness per batch (chart): the newest event's age when counted; or why there is none. */
    public Object freshnessChart() {
        Snapshot s = snapshot();
        String h = healthProblem(s);
        return h != null ? h : Charts.freshness(s.progress());
    }

    /** Input and processed rates per batch (chart) or why there is none. */
    public Object throughputChart() {
        Snapshot s = snapshot();
        String h = healthProblem(s);
        return h != null ? h : Charts.throughput(s.progress());
    }

    /** Lag per batch (chart) or why there is none. */
    public Object lagChart() {
        Snapshot s = snapshot();
        String h = healthProblem(s);
        return h != null ? h : Charts.lag(s.progress());
    }

    /** The last batches as a table (text). */
    public String progressTable() {
        Snapshot s = snapshot();
        String h = healthProblem(s);
        return h != null ? h : Tables.text(Tables.progress("Last " + s.progress().size()
                + " micro-batches", s.progress()));
    }

    /** The newest user window documents (text table), or why there are none. */
    public String rawUsers() {
        return raw(Aggregate.USER, snapshot().rawUsers());
    }

    /** The newest item window documents (text table), or why there are none. */
    public String rawItems() {
        return raw(Aggregate.ITEM, snapshot().rawItems());
    }

    private String raw(Aggregate a, List<WindowCount> rows) {
        Snapshot s = snapshot();
        if (s.error() != null) {
            return s.error();
        }
        if (s.rawError() != null) {
            return s.rawError();
        }
        if (rows.isEmpty()) {
            return "No documents in " + dbName + "." + a.collection() + " yet.";
        }
        return Tables.text(Tables.windowCounts(a.collection() + ": newest " + rows.size()
                + " documents", a.keyField(), rows));
    }

    // ---- HTML views (display("text/html", ...) in a cell; the served page) ---------------

    /** The refresh stamp of the last snapshot, to the second, as HTML. */
    public String statusHtml() {
        Snapshot s = snapshot();
        return Html.status(status(s), s.takenAt().toEpochMilli());
    }

    /**
     * The KPIs as cards with big numbers: average interactions per user, maximum and minimum
     * interactions per item (with the item), active users and items; under them the window
     * they cover. Or the plain sentence saying why there are none.
     */
    public String kpiCards() {
        Snapshot s = snapshot();
        String problem = problem(s);
        if (problem == null) {
            problem = s.kpiError();
        }
        if (problem != null) {
            return Html.message(problem);
        }
        Kpis k = s.kpis();
        List<Html.Card> cards = new ArrayList<>();
        cards.add(new Html.Card("avg-per-user", "Average interactions per user",
                k.averageText(), k.userInteractions() + " interactions / " + k.users()
                + " users"));
        if (k.maxItem() == null) {
            cards.add(new Html.Card("max-per-item", "Maximum interactions per item", "–",
                    "no item interactions in this window"));
            cards.add(new Html.Card("min-per-item", "Minimum interactions per item", "–",
                    "no item interactions in this window"));
        } else {
            cards.add(new Html.Card("max-per-item", "Maximum interactions per item",
                    Long.toString(k.maxItem().total()), k.maxItem().key()));
            cards.add(new Html.Card("min-per-item", "Minimum interactions per item",
                    Long.toString(k.minItem().total()), k.minItem().key()));
        }
        cards.add(new Html.Card("active", "Active users / items",
                k.users() + " / " + k.items(), "with at least one interaction"));
        return Html.cards(cards, "Window " + s.window().label());
    }

    /** Top-N users as ranked HTML bars, or why there are none. */
    public String topUsersBars() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        if (problem != null) {
            return Html.message(problem);
        }
        if (s.topUsers().isEmpty()) {
            return Html.message("No user interactions in " + describe(s.window(), userWindows)
                    + ".");
        }
        return Html.bars("users", "Top ", " users, " + describe(s.window(), userWindows),
                s.topUsers(), topUsers);
    }

    /** Top-N items of the KPI window as ranked HTML bars, or why there are none. */
    public String topItemsBars() {
        Snapshot s = snapshot();
        String problem = rankProblem(s);
        if (problem != null) {
            return Html.message(problem);
        }
        if (s.topItems().isEmpty()) {
            return Html.message("No item interactions in the window " + s.window().label()
                    + ".");
        }
        return Html.bars("items", "Top ", " items, window " + s.window().label(),
                s.topItems(), topItems);
    }

    /** The newest user window documents as an HTML table, or why there are none. */
    public String rawUsersHtml() {
        return rawHtml(Aggregate.USER, snapshot().rawUsers());
    }

    /** The newest item window documents as an HTML table, or why there are none. */
    public String rawItemsHtml() {
        return rawHtml(Aggregate.ITEM, snapshot().rawItems());
    }

    /** The last micro-batches as an HTML table (with freshness), or why there are none. */
    public String progressHtml() {
        Snapshot s = snapshot();
        String h = healthProblem(s);
        return Html.raw(h != null ? Html.message(h) : Tables.html(Tables.progress("Last "
                + s.progress().size() + " micro-batches", s.progress())));
    }

    private String rawHtml(Aggregate a, List<WindowCount> rows) {
        Snapshot s = snapshot();
        String problem = s.error() != null ? s.error() : s.rawError();
        if (problem == null && rows.isEmpty()) {
            problem = "No documents in " + dbName + "." + a.collection() + " yet.";
        }
        return Html.raw(problem != null ? Html.message(problem)
                : Tables.html(Tables.windowCounts(a.collection() + ": newest " + rows.size()
                + " documents", a.keyField(), rows)));
    }

    /** Queries for the explore notebook, on the same connection (null when it has none). */
    public ReportQueries queries() {
        return client == null ? null : new ReportQueries(client.getDatabase(dbName));
    }

    /** The plain message for a failure, or null when the queries can be run. */
    public String problem() {
        return problem(snapshot());
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static String problem(Snapshot s) {
        return s.error() != null ? s.error() : s.noData();
    }

    private static String rankProblem(Snapshot s) {
        String p = problem(s);
        return p != null ? p : s.rankError();
    }

    private String healthProblem(Snapshot s) {
        if (s.error() != null) {
            return s.error();
        }
        if (s.progressError() != null) {
            return s.progressError();
        }
        return s.progress().isEmpty() ? "No pipeline progress yet." : null;
    }

    private static String ago(Duration d) {
        long sec = Math.max(0, d.getSeconds());
        return sec < 120 ? sec + " s" : sec < 7200 ? sec / 60 + " min" : sec / 3600 + " h";
    }

    private static String describe(WindowRef last, int k) {
        Instant from = last.end().minus(last.length().multipliedBy(k));
        return "summed over " + WindowRef.TIME.format(from) + "–" + WindowRef.CLOCK.format(
                last.end()) + " UTC";
    }

    private record Outcome<T>(T value, String error) {
    }

    private <T> Outcome<T> attempt(Supplier<T> query) {
        try {
            return new Outcome<>(query.get(), null);
        } catch (RuntimeException e) {
            return new Outcome<>(null, explain(e));
        }
    }

    /** One plain, password-masked sentence for a failed query. */
    String explain(RuntimeException e) {
        String where = Secrets.maskUri(uri);
        if (e instanceof MongoTimeoutException || e instanceof MongoSocketException) {
            return "MongoDB is not reachable at " + where + " (no answer within "
                    + SELECTION_TIMEOUT.toSeconds() + " s). Is the stack up? "
                    + "Check with ./jbang stack status, or set MONGO_URI.";
        }
        if (e instanceof MongoSecurityException) {
            return "MongoDB at " + where + " refused the credentials: "
                    + Secrets.mask(firstLine(e));
        }
        if (e instanceof MongoException) {
            return "MongoDB query failed on " + where + ": " + Secrets.mask(firstLine(e));
        }
        return "Report query failed: " + Secrets.mask(firstLine(e));
    }

    private static String firstLine(Throwable t) {
        String m = t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }
}
