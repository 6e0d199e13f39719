package analytics.report;

/** A user or item and its number of interactions over some stated set of windows. */
public record KeyCount(String key, long total) {
}
