package analytics.mongo;

import analytics.core.Secrets;
import analytics.core.ServerUnreachableException;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MongoDB clients for the project's servers (MongoDB, FerretDB, mongo-java-server): no
 * {@code ServerApi}, no sessions. One shared client per URI per JVM, for Spark tasks.
 */
public final class MongoConnections {
    private MongoConnections() {
    }

    private static final Map<String, MongoClient> SHARED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(MongoConnections::closeAll,
                "mongo-clients-close"));
    }

    /** A new client; server selection gives up after {@code selectionTimeout}. */
    public static MongoClient open(String uri, Duration selectionTimeout) {
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri))
                // Fail a write within this time when the server is gone, rather than the
                // driver's default 30 s, so a batch fails (and is retried by a restart) quickly.
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
     * Pings the server until it answers or {@code attempts} are used up, waiting 1, 2, 4 …
     * (at most 10) seconds between attempts.
     *
     * @throws ServerUnreachableException with a one-line, password-masked message when it never
     *     answered
     */
    public static void awaitPing(String uri, String db, int attempts) {
        awaitPing(uri, db, attempts, "");
    }

    /**
     * {@link #awaitPing(String, String, int)}, each retry line starting with {@code prefix}
     * (e.g. "consumer: "). A refused login is not retried: waiting cannot fix a password.
     */
    public static void awaitPing(String uri, String db, int attempts, String prefix) {
        RuntimeException last = null;
        long backoffMs = 1000;
        for (int i = 1; i <= attempts; i++) {
            try (MongoClient c = open(uri, Duration.ofSeconds(5))) {
                c.getDatabase(db).runCommand(new Document("ping", 1));
                return;
            } catch (MongoSecurityException e) {
                throw new ServerUnreachableException("MongoDB at " + Secrets.maskUri(uri)
                        + " refused the login (" + Secrets.mask(reason(e)) + "): check the user, "
                        + "the password and authSource in the URI");
            } catch (RuntimeException e) {
                last = e;
                if (i < attempts) {
                    System.err.printf("%sMongoDB at %s not reachable (attempt %d of %d: %s), "
                            + "retrying in %d s%n", prefix, Secrets.maskUri(uri), i, attempts,
                            Secrets.mask(reason(e)), backoffMs / 1000);
                    sleep(backoffMs);
                    backoffMs = Math.min(backoffMs * 2, 10_000);
                }
            }
        }
        throw new ServerUnreachableException("MongoDB at " + Secrets.maskUri(uri)
                + " not reachable after " + attempts + (attempts == 1 ? " attempt" : " attempts")
                + " (" + Secrets.mask(reason(last)) + ")");
    }

    // "... caused by {java.net.ConnectException: Connection refused}}]": the socket's own words.
    private static final Pattern CAUSED_BY = Pattern.compile("caused by \\{[\\w.$]+: ([^}]*)\\}");

    /**
     * Why the driver gave up, in a few words: for a server-selection timeout the socket error
     * inside the driver's cluster dump ("Connection refused"), else "no answer in time"; for
     * anything else the deepest cause's first line.
     */
    static String reason(Throwable t) {
        if (t == null) {
            return "no answer";
        }
        if (t instanceof MongoTimeoutException) {
            Matcher cause = CAUSED_BY.matcher(String.valueOf(t.getMessage()));
            String socket = null;
            while (cause.find()) {
                socket = cause.group(1);
            }
            return socket == null ? "no answer in time" : socket;
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String line = firstLine(root);
        int full = line.indexOf(" The full response is");
        return full < 0 ? line : line.substring(0, full).strip();
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

    static String firstLine(Throwable t) {
        if (t == null) {
            return "";
        }
        String m = t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Sleeps; an interrupt ends the wait with an exception (the caller is being stopped). */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for MongoDB", e);
        }
    }
}
