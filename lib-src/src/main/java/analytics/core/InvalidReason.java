package analytics.core;

/** Why a record could not be read as an {@link InteractionEvent}. */
public enum InvalidReason {
    /** The payload is not a JSON object (or not UTF-8, or empty). */
    NOT_JSON("not_json"),
    /** A required field is absent or null. */
    MISSING_FIELD("missing_field"),
    /** A required field has the wrong JSON type, or is a blank string. */
    WRONG_TYPE("wrong_type"),
    /** {@code interaction_type} is not one of {@link InteractionType#WIRE_NAMES}. */
    UNKNOWN_INTERACTION_TYPE("unknown_interaction_type"),
    /** {@code timestamp} is not an ISO-8601 instant with a zone (e.g. ...T10:30:00.000Z). */
    BAD_TIMESTAMP("bad_timestamp");

    private final String code;

    InvalidReason(String code) {
        this.code = code;
    }

    /** Stable lower-case code, stored in {@code invalid_events.reason}. */
    public String code() {
        return code;
    }
}
