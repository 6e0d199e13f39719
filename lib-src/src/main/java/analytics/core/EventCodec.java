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

    /** The event as UTF-8 JSON bytes. */
    public byte[] encode(InteractionEvent event) {
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
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            // Instant.parse only takes 'Z' on older JDKs; accept explicit offsets too.
            return OffsetDateTime.parse(text).toInstant();
        }
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
