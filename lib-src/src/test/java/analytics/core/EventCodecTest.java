package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
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
    void fastEncoderWritesTheSameBytesAsJacksonForAnyIdsAndTimes() {
        java.util.Random rnd = new java.util.Random(42);
        String[] odd = {"user_1", "ü-ñ", "quote\"d", "back\\slash", "tab\t", "emoji\uD83D\uDE00",
            "ctl\u0001", "~!@#$%^&*()", "", "x".repeat(300)};
        long[] times = {0L, -1L, 1L, 999L, 1_766_399_400_000L, 253_402_300_799_999L,
            -62_167_219_200_000L, 253_402_300_800_000L, -62_167_219_200_001L};
        for (int n = 0; n < 2_000; n++) {
            String user = rnd.nextBoolean() ? "user_" + rnd.nextInt(100_000)
                    : odd[rnd.nextInt(odd.length)];
            String item = rnd.nextBoolean() ? "item_" + rnd.nextInt(5_000)
                    : odd[rnd.nextInt(odd.length)];
            long t = n < times.length ? times[n]
                    : 1_766_399_400_000L + rnd.nextInt(100_000_000);
            InteractionEvent e = new InteractionEvent(user, item,
                    InteractionType.values()[rnd.nextInt(5)], Instant.ofEpochMilli(t));
            assertEquals(new String(codec.encodeWithJackson(e), StandardCharsets.UTF_8),
                    new String(codec.encode(e), StandardCharsets.UTF_8), e::toString);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-12-22T10:30:00.000Z", "1970-01-01T00:00:00.000Z",
        "1969-12-31T23:59:59.999Z", "2024-02-29T12:00:00.123Z", "0001-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z"})
    void canonicalTimestampsParseLikeTheGeneralParser(String text) {
        assertEquals(java.time.Instant.parse(text), EventCodec.parseTimestamp(text));
        assertEquals(java.time.Instant.parse(text).toEpochMilli(), EventCodec.parseCanonical(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-29T10:30:00.000Z", "2025-13-01T10:30:00.000Z",
        "2025-12-22T24:00:00.000Z", "2025-12-22T10:60:00.000Z", "2025-12-32T10:30:00.000Z",
        "2025-12-22T10:30:0a.000Z", "2025-12-22 10:30:00.000Z"})
    void outOfRangeOrMalformedCanonicalTimestampsAreBadTimestamps(String text) {
        DecodeResult r = codec.decode("{\"user_id\":\"u\",\"item_id\":\"i\","
                + "\"interaction_type\":\"view\",\"timestamp\":\"" + text + "\"}");
        assertEquals(InvalidReason.BAD_TIMESTAMP, r.reason(), r::toString);
    }

    @Test
    void detailNamesTheCulpritField() {
        assertEquals("missing field item_id",
                codec.decode("{\"user_id\":\"u\",\"interaction_type\":\"click\"}").detail());
    }
}
