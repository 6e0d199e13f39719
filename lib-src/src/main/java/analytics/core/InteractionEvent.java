package analytics.core;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One user interaction: who ({@code user_id}), on what ({@code item_id}), how
 * ({@code interaction_type}) and when ({@code timestamp}, event time, millisecond precision).
 */
public record InteractionEvent(String userId, String itemId, InteractionType type,
                               Instant timestamp) {

    public InteractionEvent {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemId, "itemId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        // The wire format and MongoDB both keep milliseconds; keep the model equal to them.
        timestamp = timestamp.truncatedTo(ChronoUnit.MILLIS);
    }

    /** Event time in epoch milliseconds. */
    public long epochMillis() {
        return timestamp.toEpochMilli();
    }
}
