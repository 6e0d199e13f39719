package analytics.kafka;

import analytics.core.Backoff;
import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Secrets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Asks a Kafka cluster whether it answers and holds a topic, for the scripts' start-up: one
 * admin client, each attempt bounded, the waits between attempts from {@link Backoff}, a line
 * per attempt ("producer: waiting for Kafka at localhost:9092 (attempt 2: Connection
 * refused); retrying in 1.2 s"), and one line when it gives up. Any node of the bootstrap list
 * may answer.
 */
public final class KafkaProbe implements AutoCloseable {
    /** The cluster as it answered: its id and how many nodes it has. */
    public record Cluster(String id, int nodes) {
    }

    /** One attempt waits at most this long for an answer. */
    static final Duration ATTEMPT = Duration.ofSeconds(3);

    private final Properties config;
    private final String brokers;
    private final PrintStream err;
    private final String prefix;
    private Admin admin;

    /**
     * @param connection the client's connection and security settings (bootstrap, SASL, TLS:
     *                   {@link analytics.core.ClientProperties#connection})
     * @param brokers    the bootstrap list, as the messages name it
     * @param err        where the lines go
     * @param prefix     the lines' prefix, e.g. "consumer: "
     */
    public KafkaProbe(Properties connection, String brokers, PrintStream err, String prefix) {
        this.config = new Properties();
        config.putAll(connection);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "interaction-analytics-probe");
        // One attempt ends within ATTEMPT, so that each attempt gets its own line.
        long ms = ATTEMPT.toMillis();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(ms));
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ms));
        // Reconnect quickly inside an attempt; the backoff between attempts is ours.
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        this.brokers = Secrets.mask(brokers);
        this.err = err;
        this.prefix = prefix;
    }

    /**
     * Waits until the cluster answers, as long as {@code attempts} allow; empty when
     * {@code stop} became true first.
     *
     * @throws Failures.UserFacing exit {@link ExitCode#UNREACHABLE} when no node answered in
     *     time or the cluster refused the client's login; {@link ExitCode#USAGE} when no
     *     client can be made from the settings (e.g. a keystore that cannot be read)
     */
    public Optional<Cluster> awaitCluster(Backoff.Attempts attempts, BooleanSupplier stop) {
        while (true) {
            if (stop.getAsBoolean()) {
                return Optional.empty();
            }
            String reason;
            // One attempt lasts at most ATTEMPT, and never past the end of the wait.
            long attemptMs = attempts.left().isZero() ? ATTEMPT.toMillis()
                    : Math.max(200, Math.min(ATTEMPT.toMillis(), attempts.left().toMillis()));
            try {
                DescribeClusterResult r = admin().describeCluster(
                        new DescribeClusterOptions().timeoutMs((int) attemptMs));
                long waitMs = attemptMs + 500;
                int nodes = r.nodes().get(waitMs, TimeUnit.MILLISECONDS).size();
                return Optional.of(new Cluster(r.clusterId().get(waitMs, TimeUnit.MILLISECONDS),
                        nodes));
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                if (c instanceof AuthenticationException || c instanceof AuthorizationException) {
                    throw new Failures.UserFacing(ExitCode.UNREACHABLE, "Kafka at " + brokers
                            + " refused the client: " + Failures.message(c));
                }
                reason = Failures.reason(c);
            } catch (TimeoutException e) {
                reason = Failures.reason(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (KafkaException e) {
                closeAdmin();
                if (!unresolvableHost(e)) {
                    throw new Failures.UserFacing(ExitCode.USAGE, "cannot create a Kafka client "
                            + "for " + brokers + ": " + Failures.message(Failures.root(e)));
                }
                // A host name that does not resolve (yet): retried like the rest.
                reason = Failures.message(Failures.root(e));
            }
            Optional<Duration> wait = attempts.failed();
            if (wait.isEmpty()) {
                throw new Failures.UserFacing(ExitCode.UNREACHABLE, "Kafka at " + brokers
                        + " not reachable " + attempts.summary() + ": " + reason);
            }
            err.printf("%swaiting for Kafka at %s (attempt %d: %s); retrying in %s%n", prefix,
                    brokers, attempts.attempt(), reason, Backoff.format(wait.get()));
            if (!attempts.sleep(wait.get(), stop)) {
                return Optional.empty();
            }
        }
    }

    /** Whether the topic exists (the cluster answered before: one bounded request). */
    public boolean topicExists(String topic) {
        try {
            return admin().listTopics(new ListTopicsOptions().timeoutMs(
                    (int) ATTEMPT.toMillis())).names().get(ATTEMPT.toMillis() + 500,
                    TimeUnit.MILLISECONDS).contains(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking Kafka for topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new Failures.UserFacing(ExitCode.UNREACHABLE, "Kafka at " + brokers
                    + " stopped answering: " + Failures.reason(e));
        }
    }

    /**
     * Waits until the topic exists (a producer creates it), saying so once; false when
     * {@code stop} became true first.
     */
    public boolean awaitTopic(String topic, BooleanSupplier stop) {
        if (topicExists(topic)) {
            return true;
        }
        err.println(prefix + "topic " + topic + " does not exist yet on " + brokers
                + "; waiting for it to be created (the producer creates it)");
        while (!topicExists(topic)) {
            if (!Backoff.pause(Duration.ofSeconds(1), stop)) {
                return false;
            }
        }
        err.println(prefix + "topic " + topic + " created");
        return true;
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(config);
        }
        return admin;
    }

    private void closeAdmin() {
        if (admin != null) {
            try {
                admin.close(Duration.ofSeconds(2));
            } catch (RuntimeException ignored) {
                // best effort: it only probed the cluster
            }
            admin = null;
        }
    }

    private static boolean unresolvableHost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("resolvable")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closeAdmin();
    }
}
