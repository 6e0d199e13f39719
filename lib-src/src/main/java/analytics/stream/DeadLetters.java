package analytics.stream;

import analytics.mongo.InvalidEvent;

import java.io.Serializable;

/**
 * Where the decoding tasks put records that are not events: each task opens a writer, hands
 * it its dead letters as it finds them, and commits it when its input is used up. Serializable:
 * it travels to the executors with the task.
 */
public interface DeadLetters extends Serializable {

    /** A writer for one task (its partition and attempt). */
    Writer open(int partitionId, long taskAttemptId);

    /** One task's dead letters. */
    interface Writer extends AutoCloseable {
        void write(InvalidEvent deadLetter);

        /** Writes what is still buffered; the task's dead letters are then stored. */
        void commit();

        /** Releases the writer (after a commit, or after a failure without one). */
        @Override
        void close();
    }
}
