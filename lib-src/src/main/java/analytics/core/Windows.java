package analytics.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Event-time windows with Spark's semantics ({@code window(col, window, slide)}): windows are
 * {@code [start, start + window)} with starts on multiples of {@code slide} since the epoch, and
 * an event belongs to every window that contains its time. Tumbling when slide equals window.
 */
public final class Windows {
    private final long windowMillis;
    private final long slideMillis;

    public Windows(Duration window, Duration slide) {
        this.windowMillis = window.toMillis();
        this.slideMillis = slide.toMillis();
        if (windowMillis <= 0 || slideMillis <= 0) {
            throw new IllegalArgumentException("window and slide must be positive");
        }
        if (slideMillis > windowMillis) {
            throw new IllegalArgumentException("slide " + slideProblem(window, slide)
                    .orElseThrow());
        }
    }

    /**
     * Why {@code slide} cannot go with {@code window} in the consumer's query, if it cannot: a
     * slide longer than the window, or one that does not divide it (the consumer combines
     * events per slide bucket before windowing, so every window must be whole buckets).
     */
    public static Optional<String> slideProblem(Duration window, Duration slide) {
        if (slide.compareTo(window) > 0) {
            return Optional.of("'" + Durations.format(slide) + "' must not exceed the window ("
                    + Durations.format(window) + ")");
        }
        if (slide.toMillis() > 0 && window.toMillis() % slide.toMillis() != 0) {
            return Optional.of("'" + Durations.format(slide) + "' must divide the window ("
                    + Durations.format(window) + ") evenly");
        }
        return Optional.empty();
    }

    public Duration window() {
        return Duration.ofMillis(windowMillis);
    }

    public Duration slide() {
        return Duration.ofMillis(slideMillis);
    }

    /** True when every event falls into exactly one window. */
    public boolean isTumbling() {
        return windowMillis == slideMillis;
    }

    /** Start (epoch ms) of the latest window that contains {@code eventMillis}. */
    public long lastStart(long eventMillis) {
        return eventMillis - Math.floorMod(eventMillis, slideMillis);
    }

    /** Starts (epoch ms, newest first) of every window that contains {@code eventMillis}. */
    public long[] starts(long eventMillis) {
        long last = lastStart(eventMillis);
        int n = 0;
        long[] tmp = new long[(int) ((windowMillis + slideMillis - 1) / slideMillis) + 1];
        for (long s = last; s > eventMillis - windowMillis; s -= slideMillis) {
            tmp[n++] = s;
        }
        long[] out = new long[n];
        System.arraycopy(tmp, 0, out, 0, n);
        return out;
    }

    /** End (epoch ms, exclusive) of the window starting at {@code startMillis}. */
    public long end(long startMillis) {
        return startMillis + windowMillis;
    }

    /** Every window that contains {@code time}, newest first. */
    public List<Window> windowsOf(Instant time) {
        List<Window> out = new ArrayList<>(2);
        for (long s : starts(time.toEpochMilli())) {
            out.add(new Window(Instant.ofEpochMilli(s), Instant.ofEpochMilli(end(s))));
        }
        return out;
    }

    /** A window {@code [start, end)}. */
    public record Window(Instant start, Instant end) {
    }
}
