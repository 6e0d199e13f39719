package analytics.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Client settings given by the user: a properties file ({@code --kafka-config}) and
 * {@code -X KEY=VALUE} pairs, as the producer and the consumer take them. Errors are
 * {@link IllegalArgumentException}s whose message names the flag and the culprit, never a value
 * (values may be passwords).
 */
public final class ClientProperties {
    private ClientProperties() {
    }

    /** The properties of {@code file}, or none when it is null; unreadable files are errors. */
    public static Properties load(String flag, Path file) {
        Properties p = new Properties();
        if (file == null) {
            return p;
        }
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value for option '" + flag + "': cannot "
                    + "read '" + file + "': " + oneLine(e));
        }
        return p;
    }

    /**
     * {@code KEY=VALUE} pairs, in order (a later key wins); the value may itself contain '='.
     * Every key must be one of {@code known}, the settings of {@code client} (e.g. "Kafka
     * producer").
     */
    public static Properties parsePairs(String flag, List<String> pairs, Set<String> known,
                                        String client) {
        Properties p = new Properties();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                // Without '=' the text is a key (or a typo), never a value: it may be echoed.
                throw new IllegalArgumentException("Invalid value for option '" + flag + "': "
                        + (eq < 0 ? "'" + pair + "' is not KEY=VALUE" : "a KEY=VALUE without KEY")
                        + " (e.g. " + flag + " client.id=demo)");
            }
            String key = pair.substring(0, eq).trim();
            if (!known.contains(key)) {
                throw new IllegalArgumentException("Invalid value for option '" + flag + "': '"
                        + key + "' is not a " + client + " setting");
            }
            p.setProperty(key, pair.substring(eq + 1));
        }
        return p;
    }

    /**
     * Refuses the settings the script decides itself: the first key of {@code settings} (in
     * sorted order) that is in {@code owned} is an error naming the key, {@code from} (the flag
     * it came from, e.g. "-X") and the owner's reason, e.g. "use --broker". Never a value.
     *
     * @param owned setting name -> what to do instead, e.g. "bootstrap.servers" -> "use --broker"
     */
    public static void refuseOwned(String from, Properties settings, Map<String, String> owned) {
        for (String key : new TreeSet<>(settings.stringPropertyNames())) {
            String instead = owned.get(key);
            if (instead != null) {
                throw new IllegalArgumentException("Kafka setting '" + key + "' (" + from
                        + ") cannot be set: " + instead);
            }
        }
    }

    /**
     * The settings any client of the same cluster needs to connect: bootstrap and DNS lookup,
     * {@code security.protocol}, {@code sasl.*} and {@code ssl.*}.
     */
    public static Properties connection(Properties clientProps) {
        Properties a = new Properties();
        for (String key : clientProps.stringPropertyNames()) {
            if (key.equals("bootstrap.servers") || key.equals("client.dns.lookup")
                    || key.equals("security.protocol")
                    || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                a.put(key, clientProps.getProperty(key));
            }
        }
        return a;
    }

    /** Why a file could not be read, in words (no exception class names). */
    private static String oneLine(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String m = e.getMessage() == null ? "unreadable" : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * The settings as one line for a start-up message: sorted, the serializers left out,
     * secrets masked ({@link Secrets#mask}).
     */
    public static String describe(Properties p) {
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (!k.endsWith(".serializer")) {
                sorted.put(k, p.getProperty(k));
            }
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=')
                .append(v));
        return Secrets.mask(sb.toString());
    }
}
