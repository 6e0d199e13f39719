package analytics.stack;

import analytics.core.ExitCode;
import analytics.core.Failures;

import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.TopicCommand;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Kafka's own admin tools, run in this JVM from the same Kafka 4.1.1 jars as the nodes:
 * {@code stack kafka-topics ARGS} is {@code kafka-topics.sh ARGS}. Kafka's output stays as it
 * is; only its failures become the stack's one line on stderr (Kafka's tool prints its error
 * on stdout, and its whole usage text for a bad option).
 */
final class KafkaTools {
    private KafkaTools() {
    }

    private static final String ERROR = "Error while executing topic command : ";

    /** Kafka's tools end by calling Exit.exit: turned into this, to get the code back. */
    private static final class ToolExit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        ToolExit(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /** Runs TopicCommand with {@code args}; returns its exit code. */
    static int topics(List<String> args) {
        boolean help = args.contains("--help") || args.contains("--version");
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Exit.setExitProcedure((code, message) -> {
            throw new ToolExit(code);
        });
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        int code;
        Throwable failure = null;
        try {
            // execute(), not main(): main prints a stack trace for every failure.
            Method execute = TopicCommand.class.getDeclaredMethod("execute", String[].class);
            execute.setAccessible(true);
            execute.invoke(null, (Object) args.toArray(String[]::new));
            code = 0;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ToolExit exit) {
                code = exit.code;
            } else {
                code = -1;
                failure = e.getCause();
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Kafka's TopicCommand has no execute(String...)", e);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Exit.resetExitProcedure();
        }
        String printed = stdout.toString(StandardCharsets.UTF_8);
        String complaints = stderr.toString(StandardCharsets.UTF_8);
        Optional<String> error = printed.lines().filter(l -> l.startsWith(ERROR)).findFirst();
        printed.lines().filter(l -> !l.startsWith(ERROR)).forEach(out::println);
        out.flush();
        if (help || code == 0) {
            err.print(complaints);
            err.flush();
            return ExitCode.DONE;
        }
        if (failure != null) {
            // joptsimple's OptionException: an option Kafka's tool does not know.
            int exit = failure.getClass().getName().startsWith("joptsimple.")
                    ? ExitCode.USAGE : ExitCode.FAILED;
            throw new Failures.UserFacing(exit, "kafka-topics: " + Failures.message(failure)
                    + (exit == ExitCode.USAGE ? " (see 'stack kafka-topics --help')" : ""));
        }
        if (error.isPresent()) {
            throw new Failures.UserFacing(ExitCode.FAILED, "kafka-topics: "
                    + error.get().substring(ERROR.length()).strip());
        }
        // A bad option: Kafka's first line names it; its usage text is one --help away.
        String first = complaints.lines().filter(l -> !l.isBlank()).findFirst()
                .orElse("exit " + code);
        throw new Failures.UserFacing(ExitCode.USAGE, "kafka-topics: " + first.strip()
                + " (see 'stack kafka-topics --help')");
    }
}
