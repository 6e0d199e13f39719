package analytics.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of the last {@code up} in a storage folder ({@code run/ports.properties}, until
 * {@code down}), so that {@code up} after a crash, {@code status}, {@code down} and
 * {@code kafka-topics} need only {@code --storage}: a flag given on the command line or in the
 * environment wins, then the recorded value, then the default.
 */
public final class Recorded {
    private Recorded() {
    }

    /** Not a flag: the workers {@code down --worker N} stopped on purpose (status: no alarm). */
    static final String STOPPED_WORKERS = "stopped-workers";

    /** The recorded values, empty when no stack was started here (or the file is unreadable). */
    public static Map<String, String> read(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }

    /**
     * {@code current} (every flag's value now, defaults included) with the recorded value for
     * each flag not in {@code given}; {@code --mongo-backend} only when it was {@code none}.
     */
    public static Map<String, String> adopt(Path file, Map<String, String> current,
                                            Set<String> given) {
        Map<String, String> recorded = read(file);
        Map<String, String> out = new LinkedHashMap<>(current);
        for (String flag : StackSettings.DEFAULTS.keySet()) {
            String value = recorded.get(flag);
            // The Mongo backend only when it was "none" (no server): otherwise 'auto' keeps
            // choosing from the data and the last run (run/mongo.backend), as it always did.
            boolean adoptable = !flag.equals("mongo-backend") || "none".equals(value);
            if (adoptable && !given.contains(flag) && value != null && !value.isBlank()) {
                out.put(flag, value);
            }
        }
        return out;
    }

    /** Records what an {@code up} started (and no worker as stopped). */
    public static void write(Path file, StackSettings settings) throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        for (String flag : StackSettings.DEFAULTS.keySet()) {
            v.put(flag, settings.values().get(flag));
        }
        store(file, v);
    }

    /** The workers stopped on purpose since the last {@code up}. */
    public static Set<Integer> stoppedWorkers(Path file) {
        Set<Integer> out = new TreeSet<>();
        String text = read(file).getOrDefault(STOPPED_WORKERS, "");
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                try {
                    out.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException ignored) {
                    // a hand-edited file: that entry says nothing
                }
            }
        }
        return out;
    }

    /** Adds a worker to those stopped on purpose (kept until the next {@code up}). */
    public static void markStopped(Path file, int worker) throws IOException {
        Map<String, String> v = new LinkedHashMap<>(read(file));
        if (v.isEmpty()) {
            return; // nothing recorded: nothing for status to compare with
        }
        Set<Integer> stopped = stoppedWorkers(file);
        stopped.add(worker);
        v.put(STOPPED_WORKERS, String.join(",", stopped.stream().map(String::valueOf)
                .toList()));
        store(file, v);
    }

    private static void store(Path file, Map<String, String> values) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp)) {
            for (Map.Entry<String, String> e : values.entrySet()) {
                out.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}
