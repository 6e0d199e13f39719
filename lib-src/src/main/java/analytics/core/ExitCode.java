package analytics.core;

/**
 * The exit codes of every script, one meaning each (README: "Command-line conventions"). A
 * script uses the ones that apply to it; none gives a code another meaning.
 */
public final class ExitCode {
    private ExitCode() {
    }

    /** The work is done: drained, stopped on request, or nothing to do. */
    public static final int DONE = 0;
    /** Something that started went wrong; one line on stderr says what. */
    public static final int FAILED = 1;
    /** A bad command line, flag value, setting or file; one line names it. */
    public static final int USAGE = 2;
    /** A server needed at start did not answer within its connect wait, or refused us. */
    public static final int UNREACHABLE = 3;
    /** Something is held by another process or another run: a checkpoint, a port, a lock. */
    public static final int CONFLICT = 4;
    /** A status check found a part that is not running. */
    public static final int DOWN = 5;
    /** A second Ctrl-C (128 + SIGINT): quit at once. */
    public static final int SIGINT = 130;
    /** A second SIGTERM (128 + SIGTERM): quit at once. */
    public static final int SIGTERM = 143;

    // The same meanings as lines of picocli's exit code list ("code:meaning").
    public static final String DONE_LINE = "0:done";
    public static final String FAILED_LINE = "1:failed (one line says what; nothing is lost)";
    public static final String USAGE_LINE = "2:usage: a bad flag, value or setting";
    public static final String UNREACHABLE_LINE =
            "3:unreachable: a server did not answer within its connect wait";
    public static final String CONFLICT_LINE =
            "4:conflict: held by another process or run (checkpoint, port, lock)";
    public static final String DOWN_LINE = "5:down: a part is not running";
    public static final String SIGNAL_LINE = "130/143:a second Ctrl-C / SIGTERM: quit at once";
}
