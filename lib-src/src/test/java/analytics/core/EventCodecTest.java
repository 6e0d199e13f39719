package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {
    private final EventCodec codec = new EventCodec();

    @Test
    void encodesTheOriginalWireFormatExactly() {
        InteractionEvent e = new InteractionEvent("user_12345", "item_6789",
                InteractionType.CLICK, Instant.parse("2025-12-22T10:30:00Z"));
        assertEquals("{\"user_id\":\"user_12345\",\"item_id\":\"item_6789\","
                + "\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00.000Z\"}",
                codec.encodeToString(e));
    }

    @Test
    void roundTripsEveryInteractionTypeAtMillisecondPrecision() {
        for (InteractionType t : InteractionType.values()) {
            InteractionEvent e = new InteractionEvent("u\"ser", "item_1", t,
                    Instant.parse("2026-01-02T03:04:05.678901Z"));
            DecodeResult r = codec.decode(codec.encode(e));
            assertTrue(r.isValid(), r::toString);
            assertEquals(e, r.event());
            assertEquals(Instant.parse("2026-01-02T03:04:05.678Z"), r.event().timestamp());
        }
    }

    @Test
    void acceptsAnyFieldOrderExtraFieldsAndZoneOffsets() {
        DecodeResult r = codec.decode("{\"timestamp\":\"2025-12-22T12:30:00+02:00\",\"extra\":"
                + "{\"a\":[1,2]},\"interaction_type\":\"add_to_cart\",\"item_id\":\"i\","
                + "\"user_id\":\"u\"}");
        assertTrue(r.isValid(), r::toString);
        assertEquals(Instant.parse("2025-12-22T10:30:00Z"), r.event().timestamp());
        assertEquals(InteractionType.ADD_TO_CART, r.event().type());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json at all|NOT_JSON",
        "[1,2,3]|NOT_JSON",
        "{\"user_id\":\"u\",\"item_id\":\"i\"|NOT_JSON",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"} x|NOT_JSON",
        "{\"item_id\":\"i\",\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|MISSING_FIELD",
        "{\"user_id\":null,\"item_id\":\"i\",\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|MISSING_FIELD",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"click\"}|MISSING_FIELD",
        "{\"user_id\":42,\"item_id\":\"i\",\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|WRONG_TYPE",
        "{\"user_id\":\"u\",\"item_id\":[\"i\"],\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|WRONG_TYPE",
        "{\"user_id\":\" \",\"item_id\":\"i\",\"interaction_type\":\"click\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|WRONG_TYPE",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"CLICK\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|UNKNOWN_INTERACTION_TYPE",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"share\",\"timestamp\":\"2025-12-22T10:30:00Z\"}|UNKNOWN_INTERACTION_TYPE",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"view\",\"timestamp\":\"yesterday\"}|BAD_TIMESTAMP",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"view\",\"timestamp\":\"2025-12-22T10:30:00\"}|BAD_TIMESTAMP",
        "{\"user_id\":\"u\",\"item_id\":\"i\",\"interaction_type\":\"view\",\"timestamp\":1766399400000}|WRONG_TYPE",
    })
    void classifiesEachKindOfMalformedRecord(String payload, InvalidReason expected) {
        DecodeResult r = codec.decode(payload);
        assertFalse(r.isValid(), payload);
        assertEquals(expected, r.reason(), r::detail);
        assertFalse(r.detail().isBlank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\u0000\u0001binary"})
    void emptyOrBinaryPayloadIsNotJson(String payload) {
        assertEquals(InvalidReason.NOT_JSON, codec.decode(payload).reason());
    }

    @Test
    void nullPayloadIsNotJson() {
        assertEquals(InvalidReason.NOT_JSON, codec.decode((byte[]) null).reason());
    }

    @Test
    void detailNamesTheCulpritField() {
        assertEquals("missing field item_id",
                codec.decode("{\"user_id\":\"u\",\"interaction_type\":\"click\"}").detail());
    }
}
