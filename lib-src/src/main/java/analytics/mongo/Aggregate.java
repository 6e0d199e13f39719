package analytics.mongo;

import analytics.core.InteractionEvent;

import java.util.function.Function;

/**
 * The windowed aggregates the consumer maintains: one collection each, keyed by
 * {@code (key field, window_start, window_end)}, and the key each event counts under. Adding
 * an aggregation is one constant here (the consumer, the indexes, the query shape and the
 * tests' ground truth follow) plus its report (README: "Adding a new aggregation").
 */
public enum Aggregate {
    USER("user_interactions", "user_id", "u", InteractionEvent::userId),
    ITEM("item_interactions", "item_id", "i", InteractionEvent::itemId);

    private final String collection;
    private final String keyField;
    private final String code;
    private final Function<InteractionEvent, String> key;

    Aggregate(String collection, String keyField, String code,
              Function<InteractionEvent, String> key) {
        this.collection = collection;
        this.keyField = keyField;
        this.code = code;
        this.key = key;
    }

    /** The key {@code event} counts under in this aggregate, e.g. its user id. */
    public String keyOf(InteractionEvent event) {
        return key.apply(event);
    }

    /** Collection name in the database, e.g. {@code user_interactions}. */
    public String collection() {
        return collection;
    }

    /** The key field of its documents, e.g. {@code user_id}. */
    public String keyField() {
        return keyField;
    }

    /** A one-letter code, used as the aggregate column of the consumer's Spark rows. */
    public String code() {
        return code;
    }

    /** The names of every aggregate's key field, comma-separated, e.g. "user_id,item_id". */
    public static String keyFields() {
        StringBuilder b = new StringBuilder();
        for (Aggregate a : values()) {
            b.append(b.length() == 0 ? "" : ",").append(a.keyField);
        }
        return b.toString();
    }

    /** The aggregate with this {@link #code()}. */
    public static Aggregate ofCode(String code) {
        for (Aggregate a : values()) {
            if (a.code.equals(code)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown aggregate code '" + code + "'");
    }
}
