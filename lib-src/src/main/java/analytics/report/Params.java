package analytics.report;

import java.util.Locale;
import java.util.Map;

/**
 * Notebook parameters from environment variables with defaults, so a headless run (and cron)
 * sets them without editing the notebook. Values out of range are clamped; unparsable ones fall
 * back to the default (a notebook cell shows the values it uses).
 */
public final class Params {
    private Params() {
    }

    /** The variable's value, or {@code def} when it is unset or blank. */
    public static String text(String name, String def) {
        return text(System.getenv(), name, def);
    }

    static String text(Map<String, String> env, String name, String def) {
        String v = env.get(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    /** An integer in {@code [min, max]}. */
    public static int integer(String name, int def, int min, int max) {
        return integer(System.getenv(), name, def, min, max);
    }

    static int integer(Map<String, String> env, String name, int def, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(text(env, name, Integer.toString(def)));
        } catch (NumberFormatException e) {
            v = def;
        }
        return Math.max(min, Math.min(max, v));
    }

    /** true/yes/1/on (any case) or false/no/0/off; anything else is the default. */
    public static boolean flag(String name, boolean def) {
        return flag(System.getenv(), name, def);
    }

    static boolean flag(Map<String, String> env, String name, boolean def) {
        String v = text(env, name, "").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> def;
        };
    }
}
