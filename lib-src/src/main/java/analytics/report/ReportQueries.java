package analytics.report;

import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The reports' queries on {@code kpi_db}. Every query is bounded (one window, the last K
 * windows, top N, the last N batches) and keeps to {@code design/mongo-subset.md}: {@code find}
 * with sort and limit, and {@code aggregate} with {@code $match}, {@code $group} with a single
 * {@code $sum} accumulator, {@code $sort} and {@code $limit}; averages are computed here.
 *
 * <p>Indexes used (created by the consumer, {@link KpiSchema#ensureIndexes}): {@code window}
 * {@code (window_start, window_end)} for "the windows of ..." filters and the newest window,
 * {@code total_desc} for top-N, {@code timestamp_desc} on {@code pipeline_progress}.
 *
 * <p>Methods throw the driver's exceptions; {@link Dashboard} turns them into plain messages.
 */
public final class ReportQueries {
    private final MongoDatabase db;

    public ReportQueries(MongoDatabase db) {
        this.db = db;
    }

    public MongoDatabase database() {
        return db;
    }

    private MongoCollection<Document> coll(Aggregate a) {
        return db.getCollection(a.collection());
    }

    /** Names of the collections that exist in the database. */
    public List<String> collectionNames() {
        return db.listCollectionNames().into(new ArrayList<>());
    }

    /** The newest window of the aggregate whose end is not after {@code asOf}, if any. */
    public Optional<WindowRef> latestCompleteWindow(Aggregate a, Instant asOf) {
        Document d = coll(a).find(Filters.lte(KpiSchema.WINDOW_END, Date.from(asOf)))
                .projection(windowProjection())
                .sort(Sorts.descending(KpiSchema.WINDOW_START, KpiSchema.WINDOW_END))
                .limit(1).first();
        return Optional.ofNullable(d).map(x -> window(x, asOf));
    }

    /** The newest window of the aggregate (complete or not), if any. */
    public Optional<WindowRef> latestWindow(Aggregate a, Instant asOf) {
        Document d = coll(a).find()
                .projection(windowProjection())
                .sort(Sorts.descending(KpiSchema.WINDOW_START, KpiSchema.WINDOW_END))
                .limit(1).first();
        return Optional.ofNullable(d).map(x -> window(x, asOf));
    }

    /**
     * The window the KPIs are computed over: the latest complete window of
     * {@code user_interactions} (end not after {@code asOf}); when no window is complete yet
     * (a pipeline running for less than one window length), the newest window, in progress.
     */
    public Optional<WindowRef> kpiWindow(Instant asOf) {
        Optional<WindowRef> complete = latestCompleteWindow(Aggregate.USER, asOf);
        return complete.isPresent() ? complete : latestWindow(Aggregate.USER, asOf);
    }

    /**
     * The KPIs of one window: average interactions per user (sum / count from one
     * {@code $group}) and the items with the most and the fewest interactions (sorted
     * {@code find} with limit 1; ties broken by the smaller id).
     */
    public Kpis kpis(WindowRef w) {
        long[] users = countAndSum(Aggregate.USER, w);
        long[] items = countAndSum(Aggregate.ITEM, w);
        List<KeyCount> max = top(Aggregate.ITEM, w, 1, false);
        List<KeyCount> min = top(Aggregate.ITEM, w, 1, true);
        return new Kpis(w, users[0], users[1], items[0],
                max.isEmpty() ? null : max.get(0), min.isEmpty() ? null : min.get(0));
    }

    /** {documents, sum of total_interactions} of one window. */
    private long[] countAndSum(Aggregate a, WindowRef w) {
        long n = coll(a).countDocuments(inWindow(w));
        Document d = coll(a).aggregate(List.of(
                Aggregates.match(inWindow(w)),
                sumBy(null, "$" + KpiSchema.TOTAL))).first();
        return new long[] {n, d == null ? 0 : number(d.get("total"))};
    }

    /**
     * A {@code $group} with ONE accumulator, {@code total: {$sum: value}}. FerretDB 1.24
     * (SQLite) returns 0 for every accumulator after the first one of a {@code $group}
     * (measured here), so each sum gets its own aggregation.
     */
    private static Document sumBy(Object id, Object value) {
        return new Document("$group", new Document("_id", id)
                .append("total", new Document("$sum", value)));
    }

    /** The N keys with the most interactions in one window (ties: smaller id first). */
    public List<KeyCount> topKeys(Aggregate a, WindowRef w, int n) {
        return top(a, w, n, false);
    }

    private List<KeyCount> top(Aggregate a, WindowRef w, int n, boolean ascending) {
        Bson sort = ascending
                ? Sorts.orderBy(Sorts.ascending(KpiSchema.TOTAL), Sorts.ascending(a.keyField()))
                : Sorts.orderBy(Sorts.descending(KpiSchema.TOTAL), Sorts.ascending(a.keyField()));
        List<KeyCount> out = new ArrayList<>();
        for (Document d : coll(a).find(inWindow(w))
                .projection(Projections.include(a.keyField(), KpiSchema.TOTAL))
                .sort(sort).limit(n)) {
            out.add(new KeyCount(d.getString(a.keyField()), number(d.get(KpiSchema.TOTAL))));
        }
        return out;
    }

    /**
     * The starts of {@code k} consecutive windows that do not overlap, the newest being
     * {@code last}: {@code last.start - i * length} for i = 0..k-1. Sliding windows overlap (a
     * 10-minute window sliding every 5 minutes counts each event twice); these tile time, so
     * sums over them count each event once. Needs the window length to be a multiple of the
     * slide, as with the defaults.
     */
    public static List<Instant> tilingStarts(WindowRef last, int k) {
        List<Instant> starts = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            starts.add(last.start().minus(last.length().multipliedBy(i)));
        }
        return starts;
    }

    /**
     * The N users with the most interactions over the {@code k} non-overlapping windows ending
     * with {@code last} (see {@link #tilingStarts}): each user's exact number of events in
     * {@code [last.end - k * length, last.end)}. One {@code $group} with {@code $sum}.
     */
    public List<KeyCount> topUsersOver(WindowRef last, int k, int n) {
        return topOver(Aggregate.USER, last, k, n);
    }

    /** As {@link #topUsersOver} for any aggregate. */
    public List<KeyCount> topOver(Aggregate a, WindowRef last, int k, int n) {
        List<Date> starts = tilingStarts(last, k).stream().map(Date::from).toList();
        List<KeyCount> out = new ArrayList<>();
        for (Document d : coll(a).aggregate(List.of(
                Aggregates.match(Filters.in(KpiSchema.WINDOW_START, starts)),
                sumBy("$" + a.keyField(), "$" + KpiSchema.TOTAL),
                Aggregates.sort(Sorts.orderBy(Sorts.descending("total"), Sorts.ascending("_id"))),
                Aggregates.limit(n)))) {
            out.add(new KeyCount(d.getString("_id"), number(d.get("total"))));
        }
        return out;
    }

    /**
     * Interactions per window, oldest first, for the windows starting at or after
     * {@code from}: one {@code $group} by window start (the result has one row per window).
     * {@code length} is the window length (ends are start + length).
     */
    public List<WindowTotal> windowTotals(Aggregate a, Instant from, Duration length) {
        Map<Date, Long> interactions = sumsByWindow(a, from, "$" + KpiSchema.TOTAL);
        Map<Date, Long> keys = sumsByWindow(a, from, 1);
        List<WindowTotal> out = new ArrayList<>();
        interactions.forEach((start, total) -> out.add(new WindowTotal(start.toInstant(),
                start.toInstant().plus(length), total, keys.getOrDefault(start, 0L))));
        return out;
    }

    private Map<Date, Long> sumsByWindow(Aggregate a, Instant from, Object value) {
        Map<Date, Long> out = new TreeMap<>();
        for (Document d : coll(a).aggregate(List.of(
                Aggregates.match(Filters.gte(KpiSchema.WINDOW_START, Date.from(from))),
                sumBy("$" + KpiSchema.WINDOW_START, value)))) {
            out.put(d.getDate("_id"), number(d.get("total")));
        }
        return out;
    }

    /** The last {@code limit} micro-batches of the consumer, oldest first. */
    public List<ProgressRecord> progress(int limit) {
        List<ProgressRecord> out = new ArrayList<>();
        for (Document d : db.getCollection(KpiSchema.PROGRESS_COLLECTION).find()
                .sort(Sorts.descending(ProgressRecord.TIMESTAMP, ProgressRecord.BATCH_ID))
                .limit(limit)) {
            out.add(ProgressRecord.fromDocument(d));
        }
        Collections.reverse(out);
        return out;
    }

    /** The newest window documents (newest window first, then most interactions first). */
    public List<WindowCount> recentWindows(Aggregate a, int limit) {
        List<WindowCount> out = new ArrayList<>();
        for (Document d : coll(a).find()
                .sort(Sorts.orderBy(Sorts.descending(KpiSchema.WINDOW_START),
                        Sorts.descending(KpiSchema.TOTAL), Sorts.ascending(a.keyField())))
                .limit(limit)) {
            out.add(WindowCount.fromDocument(a, d));
        }
        return out;
    }

    /** The interaction counts of one window's keys (at most {@code limit} of them). */
    public long[] countsInWindow(Aggregate a, WindowRef w, int limit) {
        List<Long> counts = new ArrayList<>();
        for (Document d : coll(a).find(inWindow(w))
                .projection(Projections.include(KpiSchema.TOTAL)).limit(limit)) {
            counts.add(number(d.get(KpiSchema.TOTAL)));
        }
        return counts.stream().mapToLong(Long::longValue).toArray();
    }

    /** The window documents of the given keys starting at or after {@code from}, oldest first. */
    public List<WindowCount> windowsOfKeys(Aggregate a, List<String> keys, Instant from) {
        List<WindowCount> out = new ArrayList<>();
        for (Document d : coll(a).find(Filters.and(Filters.in(a.keyField(), keys),
                        Filters.gte(KpiSchema.WINDOW_START, Date.from(from))))
                .sort(Sorts.ascending(KpiSchema.WINDOW_START, a.keyField()))) {
            out.add(WindowCount.fromDocument(a, d));
        }
        return out;
    }

    static Bson inWindow(WindowRef w) {
        return Filters.and(Filters.eq(KpiSchema.WINDOW_START, Date.from(w.start())),
                Filters.eq(KpiSchema.WINDOW_END, Date.from(w.end())));
    }

    private static Bson windowProjection() {
        return Projections.include(KpiSchema.WINDOW_START, KpiSchema.WINDOW_END);
    }

    private static WindowRef window(Document d, Instant asOf) {
        Instant start = d.getDate(KpiSchema.WINDOW_START).toInstant();
        Instant end = d.getDate(KpiSchema.WINDOW_END).toInstant();
        return new WindowRef(start, end, !end.isAfter(asOf));
    }

    static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0L;
    }

    static double decimal(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0.0;
    }
}
