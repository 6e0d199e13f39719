package analytics.core;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names the scripts take from users, checked by one rule each, before anything connects.
 * Each check returns why the name is refused, for an error after "Invalid value for option
 * 'FLAG': ", or empty when it is fine.
 */
public final class Names {
    private Names() {
    }

    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
    private static final Pattern DATABASE_FORBIDDEN = Pattern.compile("[/\\\\. \"$\\x00]");

    /** Kafka's rule for topic names: letters, digits, '.', '_', '-', at most 249, not . or ... */
    public static Optional<String> topicProblem(String topic) {
        if (topic == null || topic.isBlank() || topic.length() > 249
                || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            return Optional.of("'" + topic + "' is not a legal topic name (letters, digits, "
                    + "'.', '_', '-', at most 249)");
        }
        return Optional.empty();
    }

    /** MongoDB's rule for database names: not empty, none of / \ . space " $, under 64 bytes. */
    public static Optional<String> databaseProblem(String db) {
        if (db == null || db.isBlank() || db.length() >= 64
                || DATABASE_FORBIDDEN.matcher(db).find()) {
            return Optional.of("'" + db + "' is not a valid database name (no / \\ . space \" "
                    + "or $, under 64 characters)");
        }
        return Optional.empty();
    }

    /** A MongoDB connection string: {@code mongodb://} or {@code mongodb+srv://}, masked. */
    public static Optional<String> mongoUriProblem(String uri) {
        if (uri == null || !(uri.startsWith("mongodb://") || uri.startsWith("mongodb+srv://"))) {
            return Optional.of("must start with mongodb:// or mongodb+srv://, not '"
                    + Secrets.mask(uri) + "'");
        }
        return Optional.empty();
    }
}
