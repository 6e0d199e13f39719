package analytics.mongo;

import analytics.core.Backoff;
import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Secrets;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoSecurityException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * MongoDB clients for the project's servers (MongoDB, FerretDB, mongo-java-server): no
 * {@code ServerApi}, no sessions. One shared client per URI per JVM. Spark's writes do not use
 * these (they go through the MongoDB Spark connector); the consumer's start-up checks, indexes
 * and progress documents, the notebooks and the benchmarks do.
 */
public final class MongoConnections {
    private MongoConnections() {
    }

    /**
     * Documents per bulk write: one round trip per 1,000 documents. On mongo-java-server's H2
     * file 1,000 wrote 23 % more documents/s than 50 on average (bench/RESULTS.md).
     */
    public static final int BULK_SIZE = 1000;
    /**
     * Documents per bulk write on FerretDB: 1.24 (SQLite) never answered a bulk of 100
     * replaces of existing documents in a 600-document collection (50 took 1 s).
     */
    public static final int FERRETDB_BULK_SIZE = 50;

    private static final Map<String, MongoClient> SHARED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(MongoConnections::closeAll,
                "mongo-clients-close"));
    }

    /** A new client; server selection gives up after {@code selectionTimeout}. */
    public static MongoClient open(String uri, Duration selectionTimeout) {
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri))
                // Fail an operation within this time when the server is gone, rather than
                // waiting on it: callers retry (or report) themselves.
                .applyToClusterSettings(b -> b.serverSelectionTimeout(
                        selectionTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(5, TimeUnit.SECONDS))
                .build();
        return MongoClients.create(settings);
    }

    /** The JVM-wide client of this URI (created on first use, closed at JVM exit). */
    public static MongoClient shared(String uri) {
        return SHARED.computeIfAbsent(uri, u -> open(u, Duration.ofSeconds(30)));
    }

    /**
     * The bulk size for the server behind {@code db}: {@link #FERRETDB_BULK_SIZE} when it says
     * it is FerretDB ({@code buildInfo} has {@code ferretdbVersion}), else {@link #BULK_SIZE}.
     */
    public static int bulkSize(MongoDatabase db) {
        Document info = db.runCommand(new Document("buildInfo", 1));
        return info.containsKey("ferretdbVersion") ? FERRETDB_BULK_SIZE : BULK_SIZE;
    }

    /**
     * Pings the server until it answers, as long as {@code attempts} allow, with a line per
     * failed attempt on {@code err} ("consumer: waiting for MongoDB at ... (attempt 1:
     * Connection refused); retrying in 250 ms"). A refused login is not retried: waiting cannot
     * fix a password. Empty return: answered.
     *
     * @throws Failures.UserFacing exit {@link ExitCode#UNREACHABLE}, one line, password masked
     */
    public static void awaitPing(String uri, String db, Backoff.Attempts attempts,
                                 PrintStream err, String prefix) {
        String masked = Secrets.maskUri(uri);
        while (true) {
            Optional<String> failure = ping(uri, db);
            if (failure.isEmpty()) {
                return;
            }
            Optional<Duration> wait = attempts.failed();
            if (wait.isEmpty()) {
                throw new Failures.UserFacing(ExitCode.UNREACHABLE, "MongoDB at " + masked
                        + " not reachable " + attempts.summary() + ": " + failure.get());
            }
            err.printf("%swaiting for MongoDB at %s (attempt %d: %s); retrying in %s%n", prefix,
                    masked, attempts.attempt(), failure.get(), Backoff.format(wait.get()));
            if (!attempts.sleep(wait.get())) {
                throw new IllegalStateException("interrupted while waiting for MongoDB");
            }
        }
    }

    /** Why one ping failed, or empty when the server answered. */
    private static Optional<String> ping(String uri, String db) {
        try (MongoClient c = open(uri, Duration.ofSeconds(5))) {
            c.getDatabase(db).runCommand(new Document("ping", 1));
            return Optional.empty();
        } catch (MongoSecurityException e) {
            throw new Failures.UserFacing(ExitCode.UNREACHABLE, "MongoDB at "
                    + Secrets.maskUri(uri) + " refused the login (" + Failures.reason(e)
                    + "): check the user, the password and authSource in the URI");
        } catch (RuntimeException e) {
            return Optional.of(Failures.reason(e));
        }
    }

    /** Closes every shared client. */
    public static void closeAll() {
        SHARED.values().forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing at exit: nothing to do
            }
        });
        SHARED.clear();
    }
}
