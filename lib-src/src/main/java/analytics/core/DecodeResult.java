package analytics.core;

import java.util.Objects;

/**
 * The outcome of decoding one record: either an event or the reason it is invalid, with a
 * human-readable detail naming the culprit field.
 */
public final class DecodeResult {
    private final InteractionEvent event;
    private final InvalidReason reason;
    private final String detail;

    private DecodeResult(InteractionEvent event, InvalidReason reason, String detail) {
        this.event = event;
        this.reason = reason;
        this.detail = detail;
    }

    static DecodeResult valid(InteractionEvent event) {
        return new DecodeResult(Objects.requireNonNull(event), null, null);
    }

    static DecodeResult invalid(InvalidReason reason, String detail) {
        return new DecodeResult(null, Objects.requireNonNull(reason), detail);
    }

    public boolean isValid() {
        return event != null;
    }

    /** The event; {@code null} when invalid. */
    public InteractionEvent event() {
        return event;
    }

    /** Why the record is invalid; {@code null} when valid. */
    public InvalidReason reason() {
        return reason;
    }

    /** One line saying what is wrong, e.g. {@code "missing field item_id"}. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return isValid() ? "valid " + event : "invalid " + reason.code() + ": " + detail;
    }
}
