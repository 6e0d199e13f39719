package analytics.mongo;

import analytics.core.Defaults;

/**
 * The windowed aggregates the consumer maintains: one collection each, keyed by
 * {@code (key field, window_start, window_end)}.
 */
public enum Aggregate {
    USER(Defaults.USER_COLLECTION, "user_id", "u"),
    ITEM(Defaults.ITEM_COLLECTION, "item_id", "i");

    private final String collection;
    private final String keyField;
    private final String code;

    Aggregate(String collection, String keyField, String code) {
        this.collection = collection;
        this.keyField = keyField;
        this.code = code;
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
