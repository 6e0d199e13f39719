package analytics.report;

import java.time.Instant;

/** All interactions of one window, summed over its keys, and how many keys it has. */
public record WindowTotal(Instant start, Instant end, long interactions, long keys) {
}
