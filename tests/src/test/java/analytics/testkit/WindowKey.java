package analytics.testkit;

import java.time.Instant;

/** One aggregate's identity: a user or item id and its window {@code [start, end)}. */
public record WindowKey(String key, Instant start, Instant end) {
}
