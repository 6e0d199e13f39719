package analytics.stack;

import java.time.Duration;
import java.util.Locale;

/** What the stack prints: one line at a time, flushed, so progress shows while it waits. */
final class Console {
    private Console() {
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** "4.3 s". */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** "1 core", "2 cores". */
    static String plural(long n, String one) {
        return n + " " + one + (n == 1 ? "" : one.endsWith("s") ? "es" : "s");
    }
}
