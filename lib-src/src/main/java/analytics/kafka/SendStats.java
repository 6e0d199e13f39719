package analytics.kafka;

import analytics.core.Failures;
import analytics.core.InvalidReason;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Counts in the shape of Kafka's {@code ProducerPerformance.Stats}: a window for the progress
 * lines and totals with latency percentiles, counting only acknowledged sends. Latencies go
 * into a millisecond histogram (exact percentiles at 1 ms resolution, no sampling, bounded
 * memory for unbounded runs).
 */
public final class SendStats {
    private static final int MAX_MS = 120_000;
    private final double targetRate;
    private final PrintStream err;
    private final long[] histogram = new long[MAX_MS + 1];
    private final EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
    private long startNanos;
    private long acked;
    private long bytes;
    private long errors;
    private long totalLatencyNanos;
    private long maxLatencyNanos;
    private long windowStart;
    private long windowCount;
    private long windowErrors;
    private long windowLatencyNanos;
    private long windowMaxNanos;
    private long generated;
    private long late;
    private long resets;
    private String firstError;
    private volatile long lastAckNanos;

    public SendStats(double targetRate, PrintStream err) {
        this.targetRate = targetRate;
        this.err = err;
    }

    public synchronized void start(long nanos) {
        startNanos = nanos;
        windowStart = nanos;
    }

    /** A record was generated; called on the generating thread only. */
    public void generated(InvalidReason invalidReason, boolean wasLate) {
        generated++;
        if (wasLate) {
            late++;
        }
        if (invalidReason != null) {
            invalid.merge(invalidReason, 1L, Long::sum);
        }
    }

    public synchronized void stopGenerating(long resets) {
        this.resets = resets;
    }

    public Callback callback(long sendStartNanos, int size) {
        return (RecordMetadata md, Exception e) -> completed(sendStartNanos, size, e);
    }

    public synchronized void completed(long sendStartNanos, int size, Exception e) {
        long now = System.nanoTime();
        lastAckNanos = now;
        if (e != null) {
            errors++;
            windowErrors++;
            if (firstError == null) {
                firstError = Failures.message(e);
            }
            if (errors <= 5 || Long.bitCount(errors) == 1) {
                err.println("producer: send failed (" + errors + " so far): "
                        + Failures.message(e));
            }
            return;
        }
        long lat = now - sendStartNanos;
        acked++;
        bytes += size;
        totalLatencyNanos += lat;
        maxLatencyNanos = Math.max(maxLatencyNanos, lat);
        windowCount++;
        windowLatencyNanos += lat;
        windowMaxNanos = Math.max(windowMaxNanos, lat);
        histogram[(int) Math.min(MAX_MS, TimeUnit.NANOSECONDS.toMillis(lat))]++;
    }

    public synchronized String windowLine() {
        long now = System.nanoTime();
        double secs = Math.max(1e-9, (now - windowStart) / 1e9);
        String line = String.format(Locale.ROOT, "%d records sent, %.1f records/sec (target "
                        + "%s), %.1f ms avg latency, %.1f ms max latency, %d errors.",
                windowCount, windowCount / secs, rateText(targetRate),
                windowCount == 0 ? 0.0 : windowLatencyNanos / 1e6 / windowCount,
                windowMaxNanos / 1e6, windowErrors);
        windowStart = now;
        windowCount = 0;
        windowErrors = 0;
        windowLatencyNanos = 0;
        windowMaxNanos = 0;
        return line;
    }

    public synchronized long errors() {
        return errors;
    }

    public synchronized long acked() {
        return acked;
    }

    /** The first send failure in words, or null. */
    public synchronized String firstError() {
        return firstError;
    }

    /** Latency percentile in ms over acknowledged sends (0 when there are none). */
    public synchronized long percentileMs(double p) {
        if (acked == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p * acked);
        long seen = 0;
        for (int ms = 0; ms <= MAX_MS; ms++) {
            seen += histogram[ms];
            if (seen >= rank) {
                return ms;
            }
        }
        return MAX_MS;
    }

    public synchronized String summaryLine() {
        long end = lastAckNanos == 0 ? System.nanoTime() : lastAckNanos;
        double secs = Math.max(1e-9, (end - startNanos) / 1e9);
        StringBuilder inv = new StringBuilder();
        invalid.forEach((r, n) -> inv.append(inv.length() == 0 ? "" : ", ").append(r.code())
                .append(' ').append(n));
        return String.format(Locale.ROOT, "summary: %d records sent (acknowledged), %d "
                        + "failed, %d generated in %.2f s: %.1f records/sec (target %s), %.2f "
                        + "MB/sec; latency %.2f ms avg, %d ms 50th, %d ms 95th, %d ms 99th, "
                        + "%.1f ms max; %d late, %d invalid%s; %d rate resets.",
                acked, errors, generated, secs, acked / secs, rateText(targetRate),
                bytes / secs / (1024.0 * 1024.0),
                acked == 0 ? 0.0 : totalLatencyNanos / 1e6 / acked, percentileMs(0.50),
                percentileMs(0.95), percentileMs(0.99), maxLatencyNanos / 1e6, late,
                invalid.values().stream().mapToLong(Long::longValue).sum(),
                inv.length() == 0 ? "" : " (" + inv + ")", resets);
    }

    /** A target rate as the lines write it: "1000/s", or "unlimited" for 0. */
    public static String rateText(double rate) {
        return rate == 0 ? "unlimited" : String.format(Locale.ROOT, "%.0f/s", rate);
    }
}
