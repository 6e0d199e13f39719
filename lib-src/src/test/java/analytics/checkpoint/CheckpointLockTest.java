package analytics.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLockTest {
    @TempDir
    Path dir;

    @Test
    void aHeldLockNamesItsHolderAndBlocksASecondOne() {
        try (CheckpointLock lock = CheckpointLock.acquire(dir)) {
            assertTrue(Files.exists(lock.file()));
            assertEquals(Optional.of(ProcessHandle.current().pid()), CheckpointLock.holder(dir));
            CheckpointLock.LockedException e = assertThrows(CheckpointLock.LockedException.class,
                    () -> CheckpointLock.acquire(dir));
            assertEquals(ProcessHandle.current().pid(), e.pid());
        }
        assertEquals(Optional.empty(), CheckpointLock.holder(dir));
        assertFalse(Files.exists(dir.resolve(CheckpointLock.FILE_NAME)));
    }

    @Test
    void aMarkerLeftByADeadProcessDoesNotBlock() throws IOException {
        Files.writeString(dir.resolve(CheckpointLock.FILE_NAME), "pid=999999999\n");
        assertEquals(Optional.empty(), CheckpointLock.holder(dir));
        try (CheckpointLock lock = CheckpointLock.acquire(dir)) {
            assertTrue(Files.readString(lock.file()).contains(
                    "pid=" + ProcessHandle.current().pid()));
        }
    }

    @Test
    void closeIsIdempotent() {
        CheckpointLock lock = CheckpointLock.acquire(dir);
        lock.close();
        lock.close();
        assertEquals(Optional.empty(), CheckpointLock.holder(dir));
    }
}
