package analytics.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The JSON wire format of an {@link InteractionEvent}:
 *
 * <pre>{"user_id":"user_12345","item_id":"item_6789","interaction_type":"click",
 *  "timestamp":"2025-12-22T10:30:00.000Z"}</pre>
 *
 * <p>Encoding always writes UTC with milliseconds. Decoding is strict about what matters
 * (all four fields present, strings, a known interaction type, an ISO-8601 instant with a zone)
 * and tolerant of what does not (field order, extra fields, any zone offset, 0–9 fraction
 * digits). It uses Jackson's streaming API: no tree, no reflection. Instances are thread-safe.
 */
public final class EventCodec {
    public static final String USER_ID = "user_id";
    public static final String ITEM_ID = "item_id";
    public static final String INTERACTION_TYPE = "interaction_type";
    public static final String TIMESTAMP = "timestamp";

    /** ISO-8601 in UTC with exactly three fraction digits, as the original producer wrote. */
    public static final DateTimeFormatter TIMESTAMP_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final SerializedString F_USER = new SerializedString(USER_ID);
    private static final SerializedString F_ITEM = new SerializedString(ITEM_ID);
    private static final SerializedString F_TYPE = new SerializedString(INTERACTION_TYPE);
    private static final SerializedString F_TS = new SerializedString(TIMESTAMP);

    private final JsonFactory factory = JsonFactory.builder().build();

    /**
     * The event as UTF-8 JSON bytes. Ids made of printable ASCII without quotes or backslashes
     * (what the producer generates) are copied byte by byte; anything else goes through
     * Jackson's escaping. Both give the same bytes for the same event.
     */
    public byte[] encode(InteractionEvent event) {
        String user = event.userId();
        String item = event.itemId();
        long millis = event.epochMillis();
        if (!plainAscii(user) || !plainAscii(item) || millis < MIN_FAST || millis > MAX_FAST) {
            return encodeWithJackson(event);
        }
        byte[] type = TYPE_BYTES[event.type().ordinal()];
        int n = P_USER.length + user.length() + P_ITEM.length + item.length() + P_TYPE.length
                + type.length + P_TS.length + TS_LENGTH + P_END.length;
        byte[] out = new byte[n];
        int i = put(out, 0, P_USER);
        i = putAscii(out, i, user);
        i = put(out, i, P_ITEM);
        i = putAscii(out, i, item);
        i = put(out, i, P_TYPE);
        i = put(out, i, type);
        i = put(out, i, P_TS);
        i = putTimestamp(out, i, millis);
        put(out, i, P_END);
        return out;
    }

    /** The same bytes as {@link #encode}, always through Jackson (the reference encoder). */
    byte[] encodeWithJackson(InteractionEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName(F_USER);
            g.writeString(event.userId());
            g.writeFieldName(F_ITEM);
            g.writeString(event.itemId());
            g.writeFieldName(F_TYPE);
            g.writeString(event.type().wireName());
            g.writeFieldName(F_TS);
            g.writeString(formatTimestamp(event.timestamp()));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + event, e);
        }
        return out.toByteArray();
    }

    private static final byte[] P_USER = ascii("{\"" + USER_ID + "\":\"");
    private static final byte[] P_ITEM = ascii("\",\"" + ITEM_ID + "\":\"");
    private static final byte[] P_TYPE = ascii("\",\"" + INTERACTION_TYPE + "\":\"");
    private static final byte[] P_TS = ascii("\",\"" + TIMESTAMP + "\":\"");
    private static final byte[] P_END = ascii("\"}");
    private static final byte[][] TYPE_BYTES = typeBytes();
    /** {@code uuuu-MM-ddTHH:mm:ss.SSSZ}: 24 characters for years 0000-9999. */
    private static final int TS_LENGTH = 24;
    private static final long MIN_FAST = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
    private static final long MAX_FAST = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

    /** The formatted second ({@code uuuu-MM-ddTHH:mm:ss.}) of the last event, per thread. */
    private final ThreadLocal<SecondCache> seconds = ThreadLocal.withInitial(SecondCache::new);

    private static final class SecondCache {
        long second = Long.MIN_VALUE;
        byte[] prefix;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[][] typeBytes() {
        InteractionType[] types = InteractionType.values();
        byte[][] out = new byte[types.length][];
        for (InteractionType t : types) {
            out[t.ordinal()] = ascii(t.wireName());
        }
        return out;
    }

    private static boolean plainAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int put(byte[] out, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    private static int putAscii(byte[] out, int at, String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            out[at + i] = (byte) s.charAt(i);
        }
        return at + s.length();
    }

    /** Writes the 24-character timestamp; formats the date part once per second per thread. */
    private int putTimestamp(byte[] out, int at, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        int millis = (int) Math.floorMod(epochMillis, 1000);
        SecondCache cache = seconds.get();
        if (cache.second != second) {
            String text = TIMESTAMP_FORMAT.format(Instant.ofEpochSecond(second));
            cache.prefix = ascii(text.substring(0, TS_LENGTH - 4)); // up to and with '.'
            cache.second = second;
        }
        at = put(out, at, cache.prefix);
        out[at++] = (byte) ('0' + millis / 100);
        out[at++] = (byte) ('0' + millis / 10 % 10);
        out[at++] = (byte) ('0' + millis % 10);
        out[at++] = 'Z';
        return at;
    }

    /** The event as a JSON string. */
    public String encodeToString(InteractionEvent event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    /** {@code 2025-12-22T10:30:00.000Z}. */
    public static String formatTimestamp(Instant instant) {
        return TIMESTAMP_FORMAT.format(instant);
    }

    /**
     * Parses an ISO-8601 instant with a zone ({@code Z} or {@code +hh:mm}).
     *
     * @throws DateTimeException when the text is not such an instant
     */
    public static Instant parseTimestamp(String text) {
        long fast = parseCanonical(text);
        if (fast != Long.MIN_VALUE) {
            return Instant.ofEpochMilli(fast);
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            // Instant.parse only takes 'Z' on older JDKs; accept explicit offsets too.
            return OffsetDateTime.parse(text).toInstant();
        }
    }

    /**
     * Epoch millis of a timestamp in exactly the encoder's form ({@code 2025-12-22T10:30:00.000Z}),
     * without the general ISO-8601 parser; {@code Long.MIN_VALUE} for any other text.
     *
     * @throws DateTimeException when the form matches but a field is out of range
     */
    static long parseCanonical(String t) {
        if (t.length() != 24 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':' || t.charAt(19) != '.'
                || t.charAt(23) != 'Z') {
            return Long.MIN_VALUE;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        int millis = digits(t, 20, 3);
        if ((year | month | day | hour | minute | second | millis) < 0) {
            return Long.MIN_VALUE;
        }
        if (hour > 23 || minute > 59 || second > 59) {
            throw new DateTimeException("time out of range: " + t);
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay(); // checks the date
        return ((epochDay * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** The number written by {@code n} ASCII digits at {@code at}, or -1. */
    private static int digits(String s, int at, int n) {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Decodes a UTF-8 JSON payload; never throws. {@code null} counts as not JSON. */
    public DecodeResult decode(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return DecodeResult.invalid(InvalidReason.NOT_JSON, "empty payload");
        }
        try (JsonParser p = factory.createParser(payload)) {
            return decode(p);
        } catch (IOException | RuntimeException e) {
            return DecodeResult.invalid(InvalidReason.NOT_JSON, "not JSON: " + firstLine(e));
        }
    }

    /** Decodes a JSON string; never throws. */
    public DecodeResult decode(String json) {
        return json == null ? decode((byte[]) null) : decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private DecodeResult decode(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return DecodeResult.invalid(InvalidReason.NOT_JSON, "not a JSON object");
        }
        String user = null;
        String item = null;
        String type = null;
        String ts = null;
        // The first wrongly typed field is remembered, but the whole object is still read so
        // that malformed JSON later in the payload is reported as such.
        String wrongType = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int field = fieldIndex(name);
            if (field < 0) {
                p.skipChildren();
                continue;
            }
            if (v == JsonToken.VALUE_NULL) {
                continue; // treated as missing
            }
            if (v != JsonToken.VALUE_STRING) {
                p.skipChildren();
                if (wrongType == null) {
                    wrongType = name + " is " + describe(v) + ", expected a string";
                }
                continue;
            }
            String s = p.getText();
            switch (field) {
                case 0 -> user = s;
                case 1 -> item = s;
                case 2 -> type = s;
                default -> ts = s;
            }
        }
        if (t != JsonToken.END_OBJECT) {
            return DecodeResult.invalid(InvalidReason.NOT_JSON, "not a JSON object");
        }
        if (p.nextToken() != null) {
            return DecodeResult.invalid(InvalidReason.NOT_JSON, "trailing content after object");
        }
        if (wrongType != null) {
            return DecodeResult.invalid(InvalidReason.WRONG_TYPE, wrongType);
        }
        String missing = user == null ? USER_ID : item == null ? ITEM_ID
                : type == null ? INTERACTION_TYPE : ts == null ? TIMESTAMP : null;
        if (missing != null) {
            return DecodeResult.invalid(InvalidReason.MISSING_FIELD, "missing field " + missing);
        }
        if (user.isBlank() || item.isBlank()) {
            String blank = user.isBlank() ? USER_ID : ITEM_ID;
            return DecodeResult.invalid(InvalidReason.WRONG_TYPE, blank + " is blank");
        }
        InteractionType kind = InteractionType.fromWireName(type);
        if (kind == null) {
            return DecodeResult.invalid(InvalidReason.UNKNOWN_INTERACTION_TYPE,
                    "unknown interaction_type '" + truncate(type, 40) + "'");
        }
        Instant when;
        try {
            when = parseTimestamp(ts);
        } catch (DateTimeException e) {
            return DecodeResult.invalid(InvalidReason.BAD_TIMESTAMP,
                    "timestamp '" + truncate(ts, 40) + "' is not an ISO-8601 instant");
        }
        return DecodeResult.valid(new InteractionEvent(user, item, kind, when));
    }

    private static int fieldIndex(String name) {
        return switch (name) {
            case USER_ID -> 0;
            case ITEM_ID -> 1;
            case INTERACTION_TYPE -> 2;
            case TIMESTAMP -> 3;
            default -> -1;
        };
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> token.name().toLowerCase();
        };
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return truncate(nl < 0 ? m : m.substring(0, nl), 120);
    }

    /** At most {@code max} characters of {@code s}, with an ellipsis when cut. */
    public static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
