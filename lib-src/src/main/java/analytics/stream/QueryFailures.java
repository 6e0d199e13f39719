package analytics.stream;

import analytics.core.Failures;
import analytics.core.Secrets;
import analytics.mongo.OutageRetry;

/**
 * A failed streaming query in one line: the server to blame when one stopped answering (the
 * retries are over by then: {@link OutageRetry#PATIENCE} of them for MongoDB, Spark's for
 * Kafka), else the root cause. Nothing is lost either way: the failed batch was not committed,
 * so a restart replays it.
 */
public final class QueryFailures {
    private QueryFailures() {
    }

    private static final String RESUME = "; nothing is lost: run the consumer again once it is "
            + "back, it resumes from the checkpoint";

    /** The line for {@code failure} of a query reading {@code brokers} into {@code mongoUri}. */
    public static String describe(Throwable failure, String mongoUri, String brokers) {
        if (OutageRetry.isOutage(failure)) {
            Throwable driver = Failures.find(failure, c -> c.getClass().getName()
                    .startsWith("com.mongodb.")).orElse(failure);
            return "MongoDB at " + Secrets.maskUri(mongoUri) + " stopped answering ("
                    + firstSentence(driver) + ")" + RESUME;
        }
        var kafka = Failures.find(failure, QueryFailures::isRetriable);
        if (kafka.isPresent()) {
            return "Kafka at " + Secrets.mask(brokers) + " stopped answering ("
                    + firstSentence(kafka.get()) + ")" + RESUME;
        }
        return "query failed: " + Failures.describe(failure) + " (--no-quiet-spark shows Spark's "
                + "log)";
    }

    /** Kafka's retriable errors (timeouts, lost connections): the broker was away. */
    private static boolean isRetriable(Throwable t) {
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals("org.apache.kafka.common.errors.RetriableException")) {
                return true;
            }
        }
        return false;
    }

    /** The exception's class and the first sentence of its message (drivers add pages). */
    private static String firstSentence(Throwable t) {
        String line = t.getClass().getSimpleName() + ": " + Failures.message(t);
        int end = line.indexOf(". ");
        return end < 0 ? line : line.substring(0, end);
    }
}
