package analytics.cli;

import analytics.core.ExitCode;
import analytics.core.Failures;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {

    @Command(name = "demo", mixinStandardHelpOptions = true,
            versionProvider = Cli.VersionProvider.class)
    static final class Demo implements Callable<Integer> {
        @Option(names = "--timeout", converter = Cli.DurationConverter.class,
                defaultValue = "30s")
        Duration timeout;

        @Option(names = "--fail")
        String fail;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Cli.warnBareDurations(spec.commandLine().getParseResult(), "demo",
                    spec.commandLine().getErr());
            if ("user".equals(fail)) {
                throw new Failures.UserFacing(ExitCode.UNREACHABLE, "server at x down");
            }
            if ("bug".equals(fail)) {
                throw new IllegalStateException("oops mongodb://u:secret@h");
            }
            spec.commandLine().getOut().print(timeout.toMillis());
            return 0;
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = Cli.commandLine(new Demo(), "demo");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aUsageErrorIsOneLineNamingTheFlagAndExitsTwo() {
        Run r = run("--timeout", "soon");
        assertEquals(ExitCode.USAGE, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("demo: "), r.err());
        assertTrue(r.err().contains("--timeout"), r.err());
        assertTrue(r.err().strip().endsWith("(see --help)"), r.err());
    }

    @Test
    void aUserFacingFailureIsItsLineAndItsExitCode() {
        Run r = run("--fail", "user");
        assertEquals(ExitCode.UNREACHABLE, r.code());
        assertEquals("demo: server at x down", r.err().strip());
    }

    @Test
    void anUnexpectedFailureIsOneMaskedLineAndExitsOne() {
        Run r = run("--fail", "bug");
        assertEquals(ExitCode.FAILED, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("secret"), r.err());
    }

    @Test
    void aBareNumberStillMeansSecondsWithADeprecationLine() {
        Run r = run("--timeout", "120");
        assertEquals(0, r.code(), r.err());
        assertEquals("120000", r.out());
        assertTrue(r.err().contains("--timeout 120 is read as 120s"), r.err());
        Run unit = run("--timeout", "2m");
        assertEquals("120000", unit.out());
        assertEquals("", unit.err());
    }

    @Test
    void everyScriptPrintsTheProjectsOneVersion() {
        Run r = run("--version");
        assertEquals("demo " + analytics.core.Version.VERSION, r.out().strip());
    }

    @Test
    void aValueCheckNamesTheFlagAndTheValueAsTyped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cli.require(false, "--linger", Duration.ofMillis(1500), "must be short"));
        assertEquals("Invalid value for option '--linger': '1500ms' must be short",
                e.getMessage());
        Cli.require(true, "--linger", Duration.ZERO, "never said");
        assertEquals("Invalid value for option '--topic': has a space",
                assertThrows(IllegalArgumentException.class,
                        () -> Cli.check("--topic", Optional.of("has a space"))).getMessage());
        Cli.check("--topic", Optional.empty());
    }

    @Test
    void aWordFlagTakesAnyCaseAndNamesTheWordsItTakes() {
        assertEquals("latest", Cli.oneOf("--from", "LATEST", "earliest", "latest"));
        String why = assertThrows(IllegalArgumentException.class,
                () -> Cli.oneOf("--from", "middle", "earliest", "latest")).getMessage();
        assertEquals("Invalid value for option '--from': 'middle' must be earliest or latest",
                why);
    }

    @Test
    void aCountFlagMayLeaveTheChoiceToTheProgram() {
        assertEquals(0, Cli.autoOrCount("--bulk", "auto"));
        assertEquals(50, Cli.autoOrCount("--bulk", "50"));
        for (String bad : new String[] {"0", "-3", "many", ""}) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Cli.autoOrCount("--bulk", bad)).getMessage()
                    .startsWith("Invalid value for option '--bulk': '" + bad + "'"), bad);
        }
    }
}
