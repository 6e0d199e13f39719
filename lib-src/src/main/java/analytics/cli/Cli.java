package analytics.cli;

import analytics.core.Durations;
import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Version;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The command-line convention every script follows (README: "Command-line conventions"):
 * one line per error, prefixed with the script's name; exit codes from {@link ExitCode};
 * durations with a unit; one version. Scripts build their {@link CommandLine} here.
 */
public final class Cli {
    private Cli() {
    }

    /** Environment variable that makes unexpected failures print their stack trace too. */
    public static final String DEBUG_ENV = "ANALYTICS_DEBUG";

    /**
     * The command line of {@code command} (a picocli {@code @Command}) named {@code name}:
     * <ul>
     *   <li>a usage error is one line, "name: message (see --help)", exit {@link ExitCode#USAGE};
     *   <li>a {@link Failures.UserFacing} thrown from the command is its one line and its exit
     *       code;
     *   <li>anything else is one line, "name: error: Class: message (cause: ...)", masked, exit
     *       {@link ExitCode#FAILED} (with its stack trace when {@value #DEBUG_ENV}=1).
     * </ul>
     */
    public static CommandLine commandLine(Object command, String name) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println(name + ": " + ex.getMessage()
                    + fromEnvironment(ex.getArgSpec(), args) + " (see --help)");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (ex instanceof ParameterException pe) {
                err.println(name + ": " + pe.getMessage() + " (see --help)");
                return ExitCode.USAGE;
            }
            if (ex instanceof Failures.UserFacing u) {
                err.println(name + ": " + u.getMessage());
                return u.exitCode();
            }
            if ("1".equals(System.getenv(DEBUG_ENV))) {
                ex.printStackTrace(err);
            }
            err.println(name + ": error: " + Failures.describe(ex));
            return ExitCode.FAILED;
        });
        return cl;
    }

    private static final java.util.regex.Pattern ENV_DEFAULT =
            java.util.regex.Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)");

    /**
     * " (from env NAME)" when the bad value is an option's environment default, i.e. the
     * option was not on the command line: the user then knows where to look.
     */
    static String fromEnvironment(CommandLine.Model.ArgSpec arg, String[] args) {
        // The default as written in the annotation: picocli only keeps it interpolated.
        if (!(arg instanceof OptionSpec o)
                || !(o.userObject() instanceof java.lang.reflect.Field field)
                || field.getAnnotation(CommandLine.Option.class) == null) {
            return "";
        }
        java.util.regex.Matcher m = ENV_DEFAULT.matcher(
                field.getAnnotation(CommandLine.Option.class).defaultValue());
        if (!m.find() || System.getenv(m.group(1)) == null) {
            return "";
        }
        for (String a : args) {
            for (String n : o.names()) {
                if (a.equals(n) || a.startsWith(n + "=")) {
                    return "";
                }
            }
        }
        return " (from env " + m.group(1) + ")";
    }

    /** The {@code --version} text of every script: the project's one version. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"${COMMAND-FULL-NAME} " + Version.VERSION};
        }
    }

    /**
     * Durations as flags take them: 500ms, 30s, 5m, 2h, 1d, or ISO-8601 ({@link Durations}).
     * A bare number still means seconds for one release; {@link #warnBareDurations} says so.
     */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * One deprecation line per duration flag given as a bare number ("--timeout 120"): it is
     * read as seconds, but durations carry a unit everywhere now.
     */
    public static void warnBareDurations(CommandLine.ParseResult parsed, String name,
                                         PrintWriter err) {
        if (parsed == null) {
            return;
        }
        for (OptionSpec o : parsed.matchedOptions()) {
            if (o.type() != Duration.class) {
                continue;
            }
            List<String> given = o.stringValues();
            for (String v : given) {
                if (Durations.isBareNumber(v)) {
                    err.println(name + ": " + o.longestName() + " " + v + " is read as " + v
                            + "s; write the unit (" + v + "s): bare numbers are deprecated and "
                            + "will be refused in the next release");
                }
            }
        }
    }

    /**
     * A duration flag's value ({@link Durations#parse}), zero only where {@code zeroAllowed}.
     *
     * @throws IllegalArgumentException naming the flag
     */
    public static Duration duration(String flag, String text, boolean zeroAllowed) {
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " " + e.getMessage());
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(flag + " must be " + (zeroAllowed ? "0 or more"
                    : "positive") + ", not '" + text + "'");
        }
        return d;
    }

    /**
     * Fails with "Invalid value for option 'FLAG': WHY" when a check ({@code Names},
     * {@code Brokers}, {@code Windows}) found a problem with the flag's value.
     *
     * @throws IllegalArgumentException naming the flag
     */
    public static void check(String flag, Optional<String> problem) {
        problem.ifPresent(why -> {
            throw new IllegalArgumentException("Invalid value for option '" + flag + "': " + why);
        });
    }

    /**
     * The same as a usage error of {@code cl}.
     *
     * @throws ParameterException naming the flag
     */
    public static void check(CommandLine cl, String flag, Optional<String> problem) {
        try {
            check(flag, problem);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }

    /**
     * Fails unless {@code ok}, with "Invalid value for option 'FLAG': 'VALUE' WHY".
     *
     * @throws IllegalArgumentException naming the flag
     */
    public static void require(boolean ok, String flag, Object value, String why) {
        if (!ok) {
            check(flag, Optional.of("'" + typed(value) + "' " + why));
        }
    }

    /**
     * Fails unless {@code ok}, with the usage error of {@link #invalid} (the value as typed).
     *
     * @throws ParameterException naming the flag
     */
    public static void require(CommandLine cl, boolean ok, String flag, Object value,
                               String why) {
        if (!ok) {
            throw invalid(cl, flag, value, why);
        }
    }

    /**
     * The value of a flag that takes one of a few words, in any case, lower-cased.
     *
     * @throws IllegalArgumentException naming the flag and the words
     */
    public static String oneOf(String flag, String text, String... words) {
        String lower = text.toLowerCase(Locale.ROOT);
        require(List.of(words).contains(lower), flag, text,
                "must be " + String.join(" or ", words));
        return lower;
    }

    /**
     * A count flag that may also say {@code auto}: 0 for {@code auto} (the program decides),
     * else the number, at least 1.
     *
     * @throws IllegalArgumentException naming the flag
     */
    public static int autoOrCount(String flag, String text) {
        if (text.equals("auto")) {
            return 0;
        }
        int n = 0;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            // refused below, with the value as typed
        }
        require(n >= 1, flag, text, "must be auto or a number of at least 1");
        return n;
    }

    /**
     * The usage error "Invalid value for option 'FLAG': 'VALUE' WHY", with the value as it was
     * typed on the command line (e.g. "-5", not "-5.0"), or as its default reads.
     */
    public static ParameterException invalid(CommandLine cl, String flag, Object value,
                                             String why) {
        String typed = typed(value);
        var parsed = cl.getParseResult();
        if (parsed != null && parsed.hasMatchedOption(flag)) {
            List<String> given = parsed.matchedOption(flag).stringValues();
            if (!given.isEmpty()) {
                typed = given.get(given.size() - 1);
            }
        }
        return new ParameterException(cl, "Invalid value for option '" + flag + "': '" + typed
                + "' " + why);
    }

    /** A value as a user would type it: durations as 30s, 500ms. */
    private static String typed(Object value) {
        return value instanceof Duration d ? Durations.format(d) : String.valueOf(value);
    }

    /**
     * A deprecated flag that still works for one release: one line naming what to use instead.
     */
    public static void deprecated(PrintWriter err, String name, String flag, String instead) {
        err.println(name + ": " + flag + " is deprecated and will go in the next release; "
                + instead);
    }
}
