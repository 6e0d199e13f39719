package analytics.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The marker a running consumer keeps in its checkpoint folder: the file
 * {@value #FILE_NAME} holding its pid, with an operating-system lock on it for as long as the
 * process lives. The lock, not the pid, decides: the OS drops it when the process dies, even by
 * {@code kill -9}, so a stale file never blocks anyone and a reused pid never fools anyone.
 */
public final class CheckpointLock implements AutoCloseable {
    /** The marker's file name inside a query's checkpoint folder. */
    public static final String FILE_NAME = ".consumer.lock";

    private static final Pattern PID = Pattern.compile("pid=(\\d+)");

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private CheckpointLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code checkpoint} for this process.
     *
     * @throws LockedException when another live process holds it
     */
    public static CheckpointLock acquire(Path checkpoint) {
        Path file = checkpoint.resolve(FILE_NAME);
        FileChannel ch = null;
        try {
            Files.createDirectories(checkpoint);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(ch);
            for (int i = 0; lock == null && i < 5 && holderIsGone(file); i++) {
                // a cleanup run probing the marker holds the lock for a moment: try again
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                lock = tryLock(ch);
            }
            if (lock == null) {
                long pid = pidIn(file).orElse(-1L);
                ch.close();
                throw new LockedException(checkpoint, pid);
            }
            ch.truncate(0);
            byte[] text = ("pid=" + ProcessHandle.current().pid() + "\nstarted=" + Instant.now()
                    + "\n").getBytes(StandardCharsets.UTF_8);
            ch.write(java.nio.ByteBuffer.wrap(text), 0);
            ch.force(true);
            return new CheckpointLock(file, ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pid of the live process holding the lock of {@code checkpoint}, if any. Does not keep
     * the lock. A marker left by a dead process counts as free.
     */
    public static Optional<Long> holder(Path checkpoint) {
        Path file = checkpoint.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            FileLock lock = tryLock(ch);
            if (lock != null) {
                lock.release();
                return Optional.empty();
            }
            return Optional.of(pidIn(file).orElse(-1L));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by this very JVM
        }
    }

    private static boolean holderIsGone(Path file) {
        return pidIn(file).flatMap(ProcessHandle::of).map(h -> !h.isAlive()).orElse(true);
    }

    private static Optional<Long> pidIn(Path file) {
        try {
            Matcher m = PID.matcher(Files.readString(file, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The marker file. */
    public Path file() {
        return file;
    }

    /** Releases the lock and deletes the marker; idempotent. */
    @Override
    public synchronized void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            Files.deleteIfExists(file);
            lock.release();
        } catch (IOException e) {
            // the lock goes with the channel below; the file is harmless without it
        } finally {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    /** Another live process holds the lock. */
    public static final class LockedException extends RuntimeException {
        private final long pid;

        LockedException(Path checkpoint, long pid) {
            super("checkpoint " + checkpoint + " is in use by a running consumer or cleanup"
                    + (pid > 0 ? " (pid " + pid + ")" : ""));
            this.pid = pid;
        }

        /** The holder's pid, or -1 when the marker does not say. */
        public long pid() {
            return pid;
        }
    }
}
