package analytics.stream;

import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.StopSignals;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.util.ShutdownHookManager;
import scala.runtime.BoxedUnit;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a running streaming query is stopped: Ctrl-C or SIGTERM stop it (bounded by
 * {@code spark.sql.streaming.stopTimeout}) and the script then ends like a drained run; a
 * second signal exits at once; any other end of the JVM (SIGHUP, an embedding program's exit)
 * stops the query before Spark's own hook stops the context under it. A micro-batch left
 * unfinished was never committed, so the next start replays it.
 */
public final class QueryStop implements AutoCloseable {
    /**
     * The priority of the hook that stops the query: Hadoop's hook manager, which Spark uses,
     * runs higher priorities first, and Spark stops its context at 50.
     */
    static final int SHUTDOWN_PRIORITY = 60;

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean jvmExiting = new AtomicBoolean();
    private final StopSignals signals;
    private final Object hook;

    private QueryStop(StreamingQuery query, Runnable atJvmExit, String name) {
        signals = StopSignals.install(code -> {
            System.err.println(name + ": " + (code == ExitCode.SIGINT ? "Ctrl-C" : "SIGTERM")
                    + ": stopping the query (a batch left unfinished is replayed at the next "
                    + "start; again to stop at once)");
            stopping.set(true);
            stopQuietly(query, name);
        }, System.err, name + ": stopped again; exiting at once (the checkpoint replays the "
                + "unfinished batch at the next start)");
        hook = ShutdownHookManager.addShutdownHook(SHUTDOWN_PRIORITY, () -> {
            jvmExiting.set(true);
            if (stopping.compareAndSet(false, true)) {
                stopQuietly(query, name);
            }
            atJvmExit.run();
            return BoxedUnit.UNIT;
        });
    }

    /** Watches {@code query}; {@code atJvmExit} runs last when the JVM exits under it. */
    public static QueryStop watch(StreamingQuery query, Runnable atJvmExit, String name) {
        return new QueryStop(query, atJvmExit, name);
    }

    /** Whether a stop was asked for (so the query's end is not a failure). */
    public boolean stopping() {
        return stopping.get();
    }

    /** Whether the JVM is exiting (Spark's own hook then stops the context). */
    public boolean jvmExiting() {
        return jvmExiting.get();
    }

    /** Stops the query, if active; a failure to stop is one line. */
    public static void stopQuietly(StreamingQuery q, String name) {
        if (q != null && q.isActive()) {
            try {
                q.stop();
            } catch (Exception e) {
                System.err.println(name + ": stopping the query: " + Failures.describe(e));
            }
        }
    }

    /** Waits for a stop a signal started, then puts the JVM's handlers and hooks back. */
    @Override
    public void close() {
        signals.awaitStop();
        signals.close();
        if (!jvmExiting.get()) {
            ShutdownHookManager.removeShutdownHook(hook);
        }
    }
}
