package analytics.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkCheckpointTest {
    @TempDir
    Path dir;

    /** An offsets entry as Spark writes it: version, batch metadata with its conf, offsets. */
    private void batch(long id, String shufflePartitions) throws IOException {
        Files.createDirectories(dir.resolve("offsets"));
        Files.writeString(dir.resolve("offsets").resolve(Long.toString(id)), "v1\n"
                + "{\"batchWatermarkMs\":0,\"batchTimestampMs\":1764000000000,\"conf\":"
                + "{\"spark.sql.shuffle.partitions\":\"" + shufflePartitions + "\"}}\n"
                + "{\"test-topic\":{\"0\":" + (100 * id) + "}}\n");
    }

    @Test
    void aFolderIsACheckpointOnceSparkWroteItsMetadata() throws IOException {
        assertFalse(SparkCheckpoint.isCheckpoint(dir));
        Files.writeString(dir.resolve("metadata"), "{\"id\":\"x\"}\n");
        assertTrue(SparkCheckpoint.isCheckpoint(dir));
        Path stateMetadata = Files.createDirectories(dir.resolve("state/0/_metadata"));
        Files.writeString(stateMetadata.resolve("metadata"), "v1\n");
        assertFalse(SparkCheckpoint.isCheckpoint(stateMetadata));
    }

    @Test
    void theShufflePartitionsAreThoseOfTheNewestBatch() throws IOException {
        assertEquals(Optional.empty(), SparkCheckpoint.shufflePartitions(dir));
        batch(9, "1");
        batch(10, "4");
        Files.writeString(dir.resolve("offsets/.10.crc"), "not an entry");
        assertEquals(Optional.of(4), SparkCheckpoint.shufflePartitions(dir));
    }

    @Test
    void onlyAnotherNumberThanAskedIsSaid() throws IOException {
        assertEquals(Optional.empty(), SparkCheckpoint.shufflePartitionsKept(dir, 2));
        batch(0, "1");
        assertEquals(Optional.empty(), SparkCheckpoint.shufflePartitionsKept(dir, 1));
        assertEquals(Optional.of("this checkpoint keeps 1 shuffle partition (Spark fixes the "
                        + "number at the first batch), not the 2 of --shuffle-partitions"),
                SparkCheckpoint.shufflePartitionsKept(dir, 2));
        batch(1, "3");
        assertTrue(SparkCheckpoint.shufflePartitionsKept(dir, 2).orElseThrow()
                .startsWith("this checkpoint keeps 3 shuffle partitions "));
    }

    @Test
    void anUnreadableEntryIsNoAnswer() throws IOException {
        Files.createDirectories(dir.resolve("offsets"));
        Files.writeString(dir.resolve("offsets/0"), "v1\nnot json\n");
        assertEquals(Optional.empty(), SparkCheckpoint.shufflePartitions(dir));
    }
}
