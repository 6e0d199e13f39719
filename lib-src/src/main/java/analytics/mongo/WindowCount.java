package analytics.mongo;

import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * The count of one key in one window, as stored:
 * {@code {<key field>: string, total_interactions: int32, window_start: date, window_end: date}}.
 * Times are epoch milliseconds (BSON dates keep milliseconds).
 */
public record WindowCount(Aggregate aggregate, String key, long windowStartMillis,
                          long windowEndMillis, int total) {

    public WindowCount {
        Objects.requireNonNull(aggregate, "aggregate");
        Objects.requireNonNull(key, "key");
    }

    /**
     * The document's {@code _id}: {@code <key>|<window_start ms>|<window_end ms>}. Deterministic,
     * so upserts find the document by primary key: FerretDB 1.x (SQLite) pushes only {@code _id}
     * equality down to its storage and scans the collection for any other filter (1,000
     * upserts by the compound key took 17 s there).
     */
    public String id() {
        return key + "|" + windowStartMillis + "|" + windowEndMillis;
    }

    /**
     * The stored document's fields, in order: {@code _id}, then the original's fields in the
     * original's order (the consumer's Spark writes use the same list).
     */
    public static List<String> fields(Aggregate aggregate) {
        return List.of("_id", aggregate.keyField(), KpiSchema.TOTAL, KpiSchema.WINDOW_START,
                KpiSchema.WINDOW_END);
    }

    /** The document, fields as {@link #fields} lists them. */
    public Document toDocument() {
        List<String> f = fields(aggregate);
        return new Document(f.get(0), id())
                .append(f.get(1), key)
                .append(f.get(2), total)
                .append(f.get(3), new Date(windowStartMillis))
                .append(f.get(4), new Date(windowEndMillis));
    }

    /**
     * The filter of this window's document: its {@code _id}, which is a function of the unique
     * key {@code (key, window_start, window_end)}, so the unique index still guards it.
     */
    public Bson filter() {
        return new Document("_id", id());
    }

    /** The same filter for a document {@link #toDocument} built, without building the id again. */
    public static Bson filterOf(Document doc) {
        return new Document("_id", doc.get("_id"));
    }

    /** Reads a stored document of the given aggregate. */
    public static WindowCount fromDocument(Aggregate aggregate, Document d) {
        return new WindowCount(aggregate, d.getString(aggregate.keyField()),
                d.getDate(KpiSchema.WINDOW_START).getTime(),
                d.getDate(KpiSchema.WINDOW_END).getTime(),
                ((Number) d.get(KpiSchema.TOTAL)).intValue());
    }
}
