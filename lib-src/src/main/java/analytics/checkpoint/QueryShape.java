package analytics.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The shape a checkpoint is bound to: the settings that, changed, would make Spark's stored
 * state mean something else (the window, the slide, the watermark, the topic, the database,
 * the aggregates). Kept beside the checkpoint's data in {@value #FILE}; a restart with other
 * values is refused, naming each flag that changed. It binds only once Spark has written the
 * checkpoint ({@link SparkCheckpoint#isCheckpoint}): a run that stopped before (a server
 * down, a mistyped flag) leaves nothing that the next run's flags must match.
 */
public final class QueryShape {
    /** The file beside the checkpoint's data. */
    public static final String FILE = "query-shape.properties";

    private final Map<String, String> values;

    /** @param values flag name (without {@code --}) to its value, e.g. window -> 10m */
    public QueryShape(Map<String, String> values) {
        this.values = new TreeMap<>(values);
    }

    /** The checkpoint belongs to another query shape, or its folder is not usable. */
    public static final class ConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConflictException(String message) {
            super(message);
        }
    }

    /**
     * Compares this shape with the one stored beside {@code checkpoint}, and stores it for a
     * new checkpoint. Call it holding the checkpoint's lock ({@link CheckpointLock}).
     *
     * @throws ConflictException naming every flag that differs, and how to go on
     */
    public void checkOrStore(Path checkpoint, String writer) {
        Path file = checkpoint.resolve(FILE);
        try {
            Files.createDirectories(checkpoint);
            if (Files.isRegularFile(file) && SparkCheckpoint.isCheckpoint(checkpoint)) {
                Properties then = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    then.load(in);
                }
                List<String> changed = new ArrayList<>();
                values.forEach((k, now) -> {
                    String old = then.getProperty(k);
                    if (old != null && !old.equals(now)) {
                        changed.add("--" + k + " was " + old + ", now " + now);
                    }
                });
                if (!changed.isEmpty()) {
                    throw new ConflictException("checkpoint " + checkpoint + " was written by a "
                            + "different query: " + String.join("; ", changed) + ". Use a new "
                            + "--checkpoint-base (or the old flags) to go on.");
                }
                return;
            }
            Properties p = new Properties();
            p.putAll(values);
            try (OutputStream out = Files.newOutputStream(file)) {
                p.store(out, "query shape of this checkpoint; written by " + writer);
            }
        } catch (IOException e) {
            throw new ConflictException("checkpoint folder " + checkpoint + " is not usable: "
                    + e);
        }
    }
}
