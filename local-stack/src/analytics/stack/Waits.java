package analytics.stack;

import analytics.core.Backoff;
import analytics.core.ExitCode;
import analytics.core.Failures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Every wait of the stack: attempts spaced by the project's one backoff policy
 * ({@link Backoff#STANDARD}) within the user's {@code --timeout}, each pause cut short as soon
 * as the awaited process writes to its log (a starting server logs its way to readiness, so the
 * next attempt comes when something changed rather than after a long step). Slow waits say so
 * every 10 s.
 */
final class Waits {
    private Waits() {
    }

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    /**
     * Tries {@code attempt} until it gives a value, which it returns. {@code attempt} throws
     * (a {@link Failures.UserFacing}) when waiting cannot help, e.g. the process exited.
     *
     * @param what      for the progress lines: "Kafka node 2 at localhost:9094"
     * @param log       the log the awaited process writes, or null
     * @param onTimeout the failure's line once {@code timeout} has passed
     */
    static <T> T until(String what, Duration timeout, Path log, Callable<Optional<T>> attempt,
                       Supplier<String> onTimeout) throws InterruptedException {
        Backoff.Attempts attempts = Backoff.STANDARD.within(timeout);
        Duration nextProgress = PROGRESS_EVERY;
        while (true) {
            Optional<T> value;
            try {
                value = attempt.call();
            } catch (InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                value = Optional.empty();
            }
            if (value.isPresent()) {
                return value.get();
            }
            Optional<Duration> wait = attempts.failed();
            if (wait.isEmpty()) {
                throw new Failures.UserFacing(ExitCode.FAILED, onTimeout.get());
            }
            if (attempts.elapsed().compareTo(nextProgress) >= 0) {
                Console.say("still waiting for %s (%s, attempt %d)", what,
                        Console.seconds(attempts.elapsed()), attempts.attempt());
                nextProgress = attempts.elapsed().plus(PROGRESS_EVERY);
            }
            long size = size(log);
            if (!attempts.sleep(wait.get(), () -> size(log) != size)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted while waiting for " + what);
                }
            }
        }
    }

    private static long size(Path log) {
        if (log == null) {
            return -1;
        }
        try {
            return Files.size(log);
        } catch (IOException e) {
            return -1;
        }
    }
}
