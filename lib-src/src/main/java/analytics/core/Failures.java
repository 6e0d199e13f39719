package analytics.core;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one owner of turning an exception into what a user reads: one line, passwords masked
 * ({@link Secrets#mask}), no stack trace. {@link #describe} names the exception and its root
 * cause (for failures nobody expected); {@link #reason} gives the few words of why a server
 * did not answer ("Connection refused", "no answer in time"), for lines that already say which
 * server and what was tried.
 */
public final class Failures {
    private Failures() {
    }

    /**
     * A failure whose message is complete for the user, with the exit code it ends the run
     * with ({@link ExitCode}); scripts print the message as it is, after their name.
     */
    public static class UserFacing extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        public UserFacing(int exitCode, String message) {
            super(Secrets.mask(message));
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /**
     * "Class: first line of the message", and " (cause: Class: first line)" of the root cause
     * when there is a deeper one; masked. Wrappers that say nothing themselves
     * ({@link ExecutionException}, {@link CompletionException}) are skipped.
     */
    public static String describe(Throwable t) {
        Throwable top = unwrap(t);
        Throwable root = root(top);
        String msg = top == root ? firstLine(top) : firstLine(top) + " (cause: " + firstLine(root)
                + ")";
        return Secrets.mask(msg);
    }

    /** The first line of the message alone (or the class's name when there is none), masked. */
    public static String message(Throwable t) {
        Throwable top = unwrap(t);
        String m = top.getMessage();
        if (m == null || m.isBlank()) {
            return top.getClass().getSimpleName();
        }
        return Secrets.mask(firstLineOf(m));
    }

    // "... caused by {java.net.ConnectException: Connection refused}}]": the socket's own words
    // inside the MongoDB driver's cluster description.
    private static final Pattern CAUSED_BY = Pattern.compile("caused by \\{[\\w.$]+: ([^}]*)\\}");

    /**
     * Why a server did not answer, in a few words: a timeout is "no answer in time" (or the
     * socket error a MongoDB driver timeout carries inside its cluster description, such as
     * "Connection refused"); anything else is its deepest cause's first line ("Class:
     * message", without a driver's "The full response is ..."). Masked.
     */
    public static String reason(Throwable t) {
        if (t == null) {
            return "no answer";
        }
        Throwable top = unwrap(t);
        java.util.Optional<Throwable> timeout = find(top, c -> c instanceof TimeoutException
                || c.getClass().getSimpleName().equals("MongoTimeoutException")
                || c.getClass().getName().equals("org.apache.kafka.common.errors"
                        + ".TimeoutException"));
        if (timeout.isPresent()) {
            Matcher cause = CAUSED_BY.matcher(String.valueOf(timeout.get().getMessage()));
            String socket = null;
            while (cause.find()) {
                socket = cause.group(1);
            }
            return Secrets.mask(socket == null ? "no answer in time" : socket);
        }
        String line = firstLine(root(top));
        int full = line.indexOf(" The full response is");
        return Secrets.mask(full < 0 ? line : line.substring(0, full).strip());
    }

    /** The deepest cause. */
    public static Throwable root(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** {@code t} without the concurrency wrappers around the real failure. */
    public static Throwable unwrap(Throwable t) {
        Throwable top = t;
        while ((top instanceof ExecutionException || top instanceof CompletionException)
                && top.getCause() != null) {
            top = top.getCause();
        }
        return top;
    }

    /**
     * The future's value, waiting for it; its failure rethrown as it was thrown (a runtime
     * exception or an error), not wrapped in a {@link CompletionException}.
     */
    public static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Whether {@code t} or one of its causes is of a class with this simple name. */
    public static boolean causedBy(Throwable t, String simpleClassName) {
        return find(t, c -> c.getClass().getSimpleName().equals(simpleClassName)).isPresent();
    }

    /** The first of {@code t} and its causes, in order, that {@code test} accepts. */
    public static java.util.Optional<Throwable> find(Throwable t,
                                                     java.util.function.Predicate<Throwable> test) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (test.test(c)) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }

    private static String firstLine(Throwable t) {
        return t.getClass().getSimpleName() + ": " + firstLineOf(String.valueOf(t.getMessage()));
    }

    private static String firstLineOf(String m) {
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
