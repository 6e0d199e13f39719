package analytics.core;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the scripts' flags write them: {@code 500ms}, {@code 30s}, {@code 10m}. */
public final class Durations {
    private Durations() {
    }

    private static final Pattern SIMPLE =
            Pattern.compile("(\\d+)\\s*(ms|s|sec|m|min|h|d)?", Pattern.CASE_INSENSITIVE);

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}, a bare number of
     * seconds, or ISO-8601 ({@code PT10M}).
     *
     * @throws IllegalArgumentException naming the text when it is none of these
     */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' is negative: a duration here is "
                    + "0 or more, such as 500ms, 30s, 5m, 1h");
        }
        try {
            Matcher m = SIMPLE.matcher(t);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s", "sec" -> Duration.ofSeconds(n);
                    case "m", "min" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            return Duration.parse(t);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a duration such as 500ms, 30s, 5m, 1h", e);
        }
    }

    /** Whether {@code text} is a number without a unit (read as seconds, deprecated). */
    public static boolean isBareNumber(String text) {
        return text != null && text.trim().matches("\\d+");
    }

    /** The shortest of {@code 2h}, {@code 10m}, {@code 30s}, {@code 500ms} that is exact. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
