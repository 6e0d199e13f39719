package analytics.core;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How every loop of the project waits between attempts: exponential steps from {@link #first}
 * doubling to {@link #max}, each shortened by up to {@link #jitter} of itself (so clients that
 * failed together do not retry together), bounded by a deadline, an attempt count, or both.
 * One policy, {@link #STANDARD}, serves every wait (servers at start, servers lost while
 * running); only the bound differs, and it comes from the user ({@code --connect-timeout}) or
 * from the caller's patience.
 *
 * <pre>{@code
 * Backoff.Attempts a = Backoff.STANDARD.within(timeout);
 * while (true) {
 *     try { return tryOnce(); }
 *     catch (SomeException e) {
 *         Optional<Duration> wait = a.failed();      // empty once the bound is reached
 *         if (wait.isEmpty()) throw giveUp(a.summary(), e);
 *         say("... (attempt " + a.attempt() + ": ...); retrying in " + Backoff.format(wait.get()));
 *         a.sleep(wait.get());
 *     }
 * }
 * }</pre>
 */
public record Backoff(Duration first, Duration max, double jitter) {

    /** 250 ms doubling to 8 s, each step shortened by up to half of itself. */
    public static final Backoff STANDARD =
            new Backoff(Duration.ofMillis(250), Duration.ofSeconds(8), 0.5);

    public Backoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff steps must be positive, max >= first");
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
        }
    }

    /** Attempts until {@code deadline} has passed since now. */
    public Attempts within(Duration deadline) {
        return new Attempts(this, Objects.requireNonNull(deadline, "deadline"), 0,
                System.nanoTime());
    }

    /** At most {@code attempts} attempts, however long they take. */
    public Attempts attempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt: " + attempts);
        }
        return new Attempts(this, null, attempts, System.nanoTime());
    }

    /** The waits this policy makes without jitter, for tests and documentation. */
    Duration step(int failures) {
        long ms = first.toMillis();
        for (int i = 1; i < failures && ms < max.toMillis(); i++) {
            ms = Math.min(ms * 2, max.toMillis());
        }
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }

    /**
     * Waits {@code d}, or less when {@code stop} becomes true (checked every 50 ms) or the
     * thread is interrupted (the interrupt is kept for the caller); returns whether the whole
     * wait passed. Also the poll interval of loops that wait for a state rather than retry.
     */
    public static boolean pause(Duration d, BooleanSupplier stop) {
        long end = System.nanoTime() + d.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            if (stop.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return !Thread.currentThread().isInterrupted();
    }

    /** A wait as the progress lines write it: {@code 250 ms}, {@code 1.5 s}, {@code 8 s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** One run of attempts: counts them and says how long to wait after each failure. */
    public static final class Attempts {
        private final Backoff policy;
        private final Duration deadline;
        private final int maxAttempts;
        private final long startNanos;
        private int failures;

        private Attempts(Backoff policy, Duration deadline, int maxAttempts, long startNanos) {
            this.policy = policy;
            this.deadline = deadline;
            this.maxAttempts = maxAttempts;
            this.startNanos = startNanos;
        }

        /**
         * Records a failed attempt; returns how long to wait before the next one, or empty when
         * the bound is reached (the deadline would pass during the wait, or the attempts are
         * used up). A wait is never longer than the time left.
         */
        public java.util.Optional<Duration> failed() {
            failures++;
            if (maxAttempts > 0 && failures >= maxAttempts) {
                return java.util.Optional.empty();
            }
            long step = policy.step(failures).toNanos();
            long wait = step - (long) (step * policy.jitter
                    * ThreadLocalRandom.current().nextDouble());
            if (deadline != null) {
                long left = deadline.toNanos() - elapsedNanos();
                if (left <= 0) {
                    return java.util.Optional.empty();
                }
                wait = Math.min(wait, left);
            }
            return java.util.Optional.of(Duration.ofNanos(Math.max(wait, 0)));
        }

        /** The attempt just made (1 for the first). */
        public int attempt() {
            return failures;
        }

        /** Time since the first attempt started. */
        public Duration elapsed() {
            return Duration.ofNanos(elapsedNanos());
        }

        /** Time left before the deadline (zero when none is left or there is no deadline). */
        public Duration left() {
            if (deadline == null) {
                return Duration.ZERO;
            }
            return Duration.ofNanos(Math.max(0, deadline.toNanos() - elapsedNanos()));
        }

        /**
         * How the attempts ended, for the give-up line: "within 60s (7 attempts" or "after 1
         * attempt"; the caller closes with its reason, e.g. {@code summary() + ": " + reason}.
         */
        public String summary() {
            String n = failures + (failures == 1 ? " attempt" : " attempts");
            return deadline != null ? "within " + Durations.format(deadline) + " (" + n + ")"
                    : "after " + n;
        }

        /** Waits {@code d}; false when interrupted (the interrupt is kept for the caller). */
        public boolean sleep(Duration d) {
            return sleep(d, () -> false);
        }

        /**
         * Waits {@code d}, or less when {@code stop} becomes true or the thread is interrupted
         * ({@link Backoff#pause}); returns whether the whole wait passed.
         */
        public boolean sleep(Duration d, BooleanSupplier stop) {
            return pause(d, stop);
        }

        private long elapsedNanos() {
            return System.nanoTime() - startNanos;
        }
    }
}
