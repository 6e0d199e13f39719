package analytics.report;

import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.WindowCount;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Test data for the report queries: random events, their window counts computed here
 * (independently of the queries), and the documents the consumer would have written.
 */
final class ReportData {
    /** One interaction: who, what, when (epoch ms). */
    record Event(String user, String item, long time) {
    }

    /** A window as epoch ms. */
    record Win(long start, long end) {
    }

    final List<Event> events = new ArrayList<>();
    final Windows windows;

    ReportData(Duration window, Duration slide) {
        this.windows = new Windows(window, slide);
    }

    /** {@code n} events of {@code users} users and {@code items} items in [from, to). */
    ReportData random(long seed, int n, int users, int items, Instant from, Instant to) {
        Random r = new Random(seed);
        long span = to.toEpochMilli() - from.toEpochMilli();
        for (int i = 0; i < n; i++) {
            // Skewed choice, so rankings have clear leaders and ties are rare.
            String user = String.format("user_%03d", (int) (users * Math.pow(r.nextDouble(), 2)));
            String item = String.format("item_%03d", (int) (items * Math.pow(r.nextDouble(), 3)));
            events.add(new Event(user, item, from.toEpochMilli() + (long) (r.nextDouble() * span)));
        }
        return this;
    }

    /** Per window, per key: the count of events (Spark's sliding-window semantics). */
    Map<Win, Map<String, Integer>> counts(Aggregate a) {
        Map<Win, Map<String, Integer>> out = new TreeMap<>(
                Comparator.comparingLong(Win::start).thenComparingLong(Win::end));
        for (Event e : events) {
            for (long s : windows.starts(e.time())) {
                String key = a == Aggregate.USER ? e.user() : e.item();
                out.computeIfAbsent(new Win(s, windows.end(s)), w -> new HashMap<>())
                        .merge(key, 1, Integer::sum);
            }
        }
        return out;
    }

    /** Writes both aggregates as the consumer does, with its indexes. */
    void insert(MongoDatabase db) {
        KpiSchema.ensureIndexes(db);
        for (Aggregate a : Aggregate.values()) {
            insert(db, a);
        }
    }

    void insert(MongoDatabase db, Aggregate a) {
        List<Document> docs = new ArrayList<>();
        counts(a).forEach((w, byKey) -> byKey.forEach((k, n) ->
                docs.add(new WindowCount(a, k, w.start(), w.end(), n).toDocument())));
        if (!docs.isEmpty()) {
            db.getCollection(a.collection()).insertMany(docs);
        }
    }

    /** Events of each user with time in [from, to). */
    Map<String, Long> userEventsBetween(long from, long to) {
        Map<String, Long> out = new HashMap<>();
        for (Event e : events) {
            if (e.time() >= from && e.time() < to) {
                out.merge(e.user(), 1L, Long::sum);
            }
        }
        return out;
    }
}
