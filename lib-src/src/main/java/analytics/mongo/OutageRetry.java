package analytics.mongo;

import analytics.core.Backoff;
import analytics.core.Failures;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Rides out a MongoDB that stops answering (a restart, a failover, a cut network): a write the
 * server did not take is run again, waiting as {@link Backoff#STANDARD} says, until
 * {@link #PATIENCE} has passed since the first failure, with one line per retry; then the
 * failure is thrown. Every write the project makes is an idempotent upsert, so running one
 * again completes what a cut left half-applied. Other failures are thrown at once.
 */
public final class OutageRetry {
    /**
     * How long a write is run again while MongoDB does not answer, from the first failure:
     * about as long as Spark's Kafka source waits for a broker, so a server restart under a
     * running consumer is ridden out (README: Troubleshooting). Each attempt also waits the
     * driver's server selection (30 s).
     */
    public static final Duration PATIENCE = Duration.ofMinutes(3);

    private static final String[] OUTAGES = {"MongoSocketException",
        "MongoSocketOpenException", "MongoSocketReadException", "MongoSocketWriteException",
        "MongoSocketReadTimeoutException", "MongoTimeoutException", "MongoNotPrimaryException",
        "MongoNodeIsRecoveringException"};

    private final Duration patience;
    private final Consumer<String> warnings;

    public OutageRetry(Duration patience, Consumer<String> warnings) {
        this.patience = patience;
        this.warnings = warnings;
    }

    /**
     * Whether {@code t} says the server did not answer, rather than that it refused the write:
     * one of the driver's socket, timeout or not-primary exceptions among its causes, or named
     * in its message (a Spark job failure carries a task's exception as text too).
     */
    public static boolean isOutage(Throwable t) {
        return Failures.find(t, c -> {
            String name = c.getClass().getSimpleName();
            String message = String.valueOf(c.getMessage());
            for (String outage : OUTAGES) {
                if (name.equals(outage) || message.contains("com.mongodb." + outage)) {
                    return true;
                }
            }
            return false;
        }).isPresent();
    }

    /**
     * Runs {@code write} until it succeeds, MongoDB fails it for another reason, or the
     * patience is over; {@code what} names it in the retry lines ("MongoDB is not answering
     * (Connection refused): the counts for user_interactions sent again in 2 s (31 s of at
     * most 180 s)").
     */
    public <T> T run(String what, Supplier<T> write) {
        Backoff.Attempts attempts = Backoff.STANDARD.within(patience);
        while (true) {
            try {
                return write.get();
            } catch (Exception e) {
                // Spark's job failures are checked exceptions thrown through Scala code that
                // declares none: caught here all the same, and thrown on as they are.
                if (!isOutage(e)) {
                    throw sneaky(e);
                }
                Optional<Duration> wait = attempts.failed();
                if (wait.isEmpty()) {
                    throw sneaky(e);
                }
                warnings.accept(String.format(Locale.ROOT, "MongoDB is not answering (%s): %s "
                                + "sent again in %s (%d s of at most %d s)",
                        Failures.reason(e), what, Backoff.format(wait.get()),
                        attempts.elapsed().toSeconds(), patience.toSeconds()));
                if (!attempts.sleep(wait.get())) {
                    throw new IllegalStateException("interrupted while waiting for MongoDB", e);
                }
            }
        }
    }

    /** {@code e} thrown as it is, checked or not. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> RuntimeException sneaky(Exception e) throws E {
        throw (E) e;
    }
}
