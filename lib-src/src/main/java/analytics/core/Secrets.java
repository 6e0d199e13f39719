package analytics.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Hides credentials in text that may reach a log line or an error message. */
public final class Secrets {
    private Secrets() {
    }

    public static final String MASK = "****";

    // scheme://user:password@host — the password is everything up to the last '@' of the
    // authority (passwords may contain '@' only percent-encoded, but be generous).
    private static final Pattern URI_PASSWORD =
            Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\\s]*:)([^/?#\\s]*)(@)");
    // user:password@host without a scheme, e.g. a broker address: the password runs to the last
    // '@' of the word (a word starts the text or follows a blank, a quote, '(', '=', ',' or ';').
    private static final Pattern BARE_PASSWORD =
            Pattern.compile("((?:^|[\\s,;'\"(=])[^\\s:/?#@,;'\"=()]+:)([^\\s/?#,;'\"]*)(@)");
    // password=secret, password="secret", "password": "secret", sasl ... password='x'
    private static final Pattern KEY_PASSWORD = Pattern.compile(
            "(?i)((?:password|passwd|pwd|secret|token)[\"']?\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;&\"']+)");

    /** The URI with its password replaced by {@value #MASK}; {@code null} stays {@code null}. */
    public static String maskUri(String uri) {
        return mask(uri);
    }

    /**
     * The text with every URI password, every {@code user:password@host} password and every
     * {@code password=...} value masked.
     */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = URI_PASSWORD.matcher(text).replaceAll(m ->
                Matcher.quoteReplacement(m.group(1) + MASK + m.group(3)));
        out = BARE_PASSWORD.matcher(out).replaceAll(m ->
                Matcher.quoteReplacement(m.group(1) + MASK + m.group(3)));
        return KEY_PASSWORD.matcher(out).replaceAll(m -> {
            String v = m.group(2);
            String quote = v.startsWith("\"") ? "\"" : v.startsWith("'") ? "'" : "";
            return Matcher.quoteReplacement(m.group(1) + quote + MASK + quote);
        });
    }
}
