package analytics.generate;

import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InvalidReason;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Records the consumer's codec rejects, each for exactly one {@link InvalidReason}: a real
 * event encoded by {@link EventCodec}, then broken in one way (a field removed, a field of
 * another JSON type, an unknown interaction type, a timestamp in another format), or text that
 * is not a JSON object at all. Four variants per reason.
 */
public final class MalformedRecords {
    private MalformedRecords() {
    }

    /** Variants per reason: {@code variant} is taken modulo this. */
    public static final int VARIANTS = 4;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventCodec CODEC = new EventCodec();

    /** A record rejected with {@code reason}, made from {@code event}. */
    public static byte[] of(InvalidReason reason, int variant, InteractionEvent event) {
        byte[] valid = CODEC.encode(event);
        int v = Math.floorMod(variant, VARIANTS);
        if (reason == InvalidReason.NOT_JSON) {
            String text = switch (v) {
                case 0 -> new String(Arrays.copyOf(valid, valid.length / 2),
                        StandardCharsets.UTF_8); // cut short
                case 1 -> event.userId() + " " + event.type().wireName() + " " + event.itemId()
                        + " at " + EventCodec.formatTimestamp(event.timestamp());
                case 2 -> array(event.userId(), event.itemId()); // JSON, but not an object
                default -> new String(valid, StandardCharsets.UTF_8) + "}"; // trailing junk
            };
            return text.getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode o = object(valid);
        String ts = EventCodec.formatTimestamp(event.timestamp());
        switch (reason) {
            case MISSING_FIELD -> o.remove(new String[] {EventCodec.USER_ID, EventCodec.ITEM_ID,
                EventCodec.INTERACTION_TYPE, EventCodec.TIMESTAMP}[v]);
            case WRONG_TYPE -> {
                switch (v) {
                    case 0 -> o.put(EventCodec.USER_ID, digits(event.userId()));
                    case 1 -> o.putArray(EventCodec.ITEM_ID).add(event.itemId());
                    case 2 -> o.put(EventCodec.INTERACTION_TYPE, true);
                    default -> o.put(EventCodec.TIMESTAMP, event.epochMillis());
                }
            }
            case UNKNOWN_INTERACTION_TYPE -> o.put(EventCodec.INTERACTION_TYPE, switch (v) {
                case 0 -> "hover";
                case 1 -> event.type().wireName().toUpperCase(Locale.ROOT);
                case 2 -> "";
                default -> "share";
            });
            case BAD_TIMESTAMP -> o.put(EventCodec.TIMESTAMP, switch (v) {
                case 0 -> ts.replace('T', ' ').replace("Z", ""); // no 'T', no zone
                case 1 -> ts.substring(0, ts.length() - 1); // no zone
                case 2 -> Long.toString(event.epochMillis()); // epoch millis as a string
                default -> "yesterday";
            });
            default -> throw new IllegalArgumentException("no malformed record for " + reason);
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode object(byte[] json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String array(String... values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number in an id such as {@code user_42}, as a JSON number where a string belongs. */
    private static long digits(String id) {
        String d = id.replaceAll("\\D", "");
        return d.isEmpty() ? 0 : Long.parseLong(d);
    }
}
