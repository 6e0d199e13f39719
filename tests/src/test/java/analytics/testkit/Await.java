package analytics.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits on a condition, polled, within a bound: never a sleep standing in for an event. */
public final class Await {
    private Await() {
    }

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * Returns once {@code condition} is true; fails naming {@code what} after {@code timeout}.
     * An exception from the condition counts as false (a server still starting).
     */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what
                        + (last == null ? "" : " (last error: " + last + ")"));
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }
}
