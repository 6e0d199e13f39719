package analytics.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.mongo.Aggregate;
import analytics.mongo.InvalidEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The decoding task's combiner on its own: events of a key in one slide bucket become one row
 * carrying their number and latest time, which is what lets Spark place them in the same
 * windows and keep the same watermark.
 */
class EventCombinerTest {
    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");
    private static final Duration SLIDE = Duration.ofMinutes(5);

    /** A Kafka record as the combiner sees it: its payload and coordinates. */
    private record Rec(byte[] value, long offset) {
    }

    private static List<Rec> records(List<byte[]> values) {
        List<Rec> rows = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            rows.add(new Rec(values.get(i), 100L + i));
        }
        return rows;
    }

    private static EventCombiner<Rec> combiner(int maxGroups) {
        return new EventCombiner<>(SLIDE, maxGroups, Rec::value, (r, d) -> InvalidEvent.of("t",
                3, r.offset(), d.reason().code(), d.detail(), r.value(), T0.toEpochMilli()));
    }

    private static byte[] event(String user, String item, int minute) {
        return new EventCodec().encode(new InteractionEvent(user, item, InteractionType.CLICK,
                T0.plus(Duration.ofMinutes(minute))));
    }

    private static List<byte[]> sample() {
        return List.of(event("u1", "i1", 1), event("u1", "i1", 2),
                "{bad".getBytes(StandardCharsets.UTF_8), event("u1", "i2", 6),
                event("u2", "i1", 3));
    }

    /** "aggregate key bucket" -> {events, latest event time}, summed over the output rows. */
    private static Map<String, long[]> byGroup(Iterator<EventCombiner.Combined> out,
                                               List<Integer> rowCount) {
        Map<String, long[]> m = new TreeMap<>();
        int n = 0;
        while (out.hasNext()) {
            EventCombiner.Combined r = out.next();
            n++;
            long[] v = m.computeIfAbsent(r.aggregate().code() + " " + r.key() + " "
                    + Math.floorDiv(r.latestMillis(), SLIDE.toMillis()), k -> new long[2]);
            v[0] += r.events();
            v[1] = Math.max(v[1], r.latestMillis());
        }
        rowCount.add(n);
        return m;
    }

    private static long at(int minute) {
        return T0.plus(Duration.ofMinutes(minute)).toEpochMilli();
    }

    @Test
    void eventsOfAKeyInOneSlideBucketBecomeOneRowWithTheirCountAndLatestTime() {
        List<InvalidEvent> dead = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        Map<String, long[]> groups = byGroup(combiner(EventCombiner.MAX_GROUPS).combine(
                records(sample()).iterator(), dead::add, () -> ends.add(1)), rows);

        long b0 = Math.floorDiv(at(0), SLIDE.toMillis());
        String u = Aggregate.USER.code();
        String i = Aggregate.ITEM.code();
        assertEquals(5, rows.get(0), "one row per (aggregate, key, bucket)");
        assertEquals(List.of(2L, at(2)), List.of(groups.get(u + " u1 " + b0)[0],
                groups.get(u + " u1 " + b0)[1]));
        assertEquals(List.of(1L, at(6)), List.of(groups.get(u + " u1 " + (b0 + 1))[0],
                groups.get(u + " u1 " + (b0 + 1))[1]));
        assertEquals(1L, groups.get(u + " u2 " + b0)[0]);
        assertEquals(List.of(3L, at(3)), List.of(groups.get(i + " i1 " + b0)[0],
                groups.get(i + " i1 " + b0)[1]));
        assertEquals(1L, groups.get(i + " i2 " + (b0 + 1))[0]);
        assertEquals(1, dead.size(), "the malformed record is a dead letter");
        assertEquals(102L, dead.get(0).offset());
        assertEquals("not_json", dead.get(0).reason());
        assertEquals(List.of(1), ends, "the end of the input is signalled once");
    }

    @Test
    void aTaskHoldingTooManyGroupsEmitsThemEarlyWithoutChangingTheSums() {
        List<InvalidEvent> dead = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        Map<String, long[]> unbounded = byGroup(combiner(EventCombiner.MAX_GROUPS).combine(
                records(sample()).iterator(), dead::add, () -> { }), rows);
        // At most 2 groups held: each event's user and item rows go out on their own.
        Map<String, long[]> bounded = byGroup(combiner(2).combine(records(sample()).iterator(),
                dead::add, () -> { }), rows);

        assertEquals(8, rows.get(1), "4 valid events, 2 rows each");
        assertEquals(unbounded.keySet(), bounded.keySet());
        unbounded.forEach((k, v) -> assertEquals(List.of(v[0], v[1]),
                List.of(bounded.get(k)[0], bounded.get(k)[1]), k));
        assertEquals(2, dead.size(), "one dead letter per run");
    }

    @Test
    void everyAggregateCountsEachEventUnderItsOwnKey() {
        List<Integer> rows = new ArrayList<>();
        Map<String, long[]> groups = byGroup(combiner(EventCombiner.MAX_GROUPS).combine(
                records(List.of(event("u9", "i9", 0))).iterator(), e -> { }, () -> { }), rows);
        for (Aggregate a : Aggregate.values()) {
            assertTrue(groups.keySet().stream().anyMatch(k -> k.startsWith(a.code() + " ")),
                    a + " in " + groups.keySet());
        }
        assertEquals(Aggregate.values().length, rows.get(0));
    }

    @Test
    void aBoundBelowOneEventsRowsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> combiner(1));
    }
}
