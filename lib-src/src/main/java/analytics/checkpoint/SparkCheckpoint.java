package analytics.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the project reads of a Structured Streaming checkpoint folder (one query's), the one
 * definition shared by the consumer and {@code cleanup}.
 */
public final class SparkCheckpoint {
    private SparkCheckpoint() {
    }

    /**
     * Whether {@code dir} is a query's checkpoint, i.e. a query has started on it: the query's
     * {@code metadata} file is the first thing Spark writes there, before its first batch. (A
     * state store keeps an operator's {@code metadata} file in {@code state/<op>/_metadata}:
     * that folder is not a checkpoint.)
     */
    public static boolean isCheckpoint(Path dir) {
        Path name = dir.getFileName();
        return Files.isRegularFile(dir.resolve("metadata"))
                && (name == null || !name.toString().equals("_metadata"));
    }

    /**
     * The shuffle partitions the checkpoint's query runs with: Spark records them in each
     * batch's offsets entry (line 2, JSON, {@code conf}) and ignores the session's setting
     * from then on. Empty when there is no entry yet or it cannot be read (Spark says more).
     */
    public static Optional<Integer> shufflePartitions(Path dir) {
        Path offsets = dir.resolve("offsets");
        if (!Files.isDirectory(offsets)) {
            return Optional.empty();
        }
        try (var entries = Files.list(offsets)) {
            Optional<Path> latest = entries
                    .filter(f -> f.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingLong(
                            f -> Long.parseLong(f.getFileName().toString())));
            if (latest.isEmpty()) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(latest.get());
            if (lines.size() < 2) {
                return Optional.empty();
            }
            JsonNode n = new ObjectMapper().readTree(lines.get(1))
                    .path("conf").path("spark.sql.shuffle.partitions");
            return n.isMissingNode() ? Optional.empty()
                    : Optional.of(Integer.parseInt(n.asText()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The line to show when the checkpoint keeps another number of shuffle partitions than
     * {@code asked} (Spark fixes the number at the first batch); empty when it keeps that
     * number, or has no batch yet.
     */
    public static Optional<String> shufflePartitionsKept(Path dir, int asked) {
        return shufflePartitions(dir).filter(kept -> kept != asked)
                .map(kept -> "this checkpoint keeps " + kept + " shuffle partition"
                        + (kept == 1 ? "" : "s") + " (Spark fixes the number at the first "
                        + "batch), not the " + asked + " of --shuffle-partitions");
    }
}
