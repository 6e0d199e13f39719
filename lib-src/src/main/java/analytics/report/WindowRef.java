package analytics.report;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One event-time window {@code [start, end)} the reports look at. Complete means its end is not
 * after the reference time ("as of", normally now): no on-time event can still fall into it, so
 * its counts only change if the consumer is behind.
 */
public record WindowRef(Instant start, Instant end, boolean complete) {

    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    public Duration length() {
        return Duration.between(start, end);
    }

    /** E.g. {@code [2026-11-29 10:00, 10:10) UTC, complete}. */
    public String label() {
        return "[" + TIME.format(start) + ", " + CLOCK.format(end) + ") UTC, "
                + (complete ? "complete" : "in progress");
    }

    @Override
    public String toString() {
        return label();
    }
}
