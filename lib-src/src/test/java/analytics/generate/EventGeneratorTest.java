package analytics.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.DecodeResult;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.InvalidReason;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The producer's generation called directly: events, malformed records, Zipf sampling and the
 * rate timeline. No broker and no sleeps: the timeline is driven by a fake clock.
 */
class EventGeneratorTest {
    private static final EventCodec CODEC = new EventCodec();
    private static final long START = Instant.parse("2025-12-22T10:00:00Z").toEpochMilli();

    private static EventGenerator generator(long seed, double zipf, double late,
                                                     double invalid) {
        return new EventGenerator(new EventGenerator.Options(seed, 100, 50,
                zipf, START, 1000, late, 900_000, invalid));
    }

    @Test
    void sameSeedAndStartTimeGiveByteIdenticalRecords() {
        var a = generator(42, 1.1, 0.1, 0.1);
        var b = generator(42, 1.1, 0.1, 0.1);
        var c = generator(43, 1.1, 0.1, 0.1);
        boolean differs = false;
        for (int i = 0; i < 10_000; i++) {
            var ga = a.next(System.currentTimeMillis());
            var gb = b.next(0); // the wall clock is ignored with a fixed start time
            var gc = c.next(0);
            assertEquals(ga.key(), gb.key());
            assertArrayEquals(ga.value(), gb.value());
            differs |= !ga.key().equals(gc.key());
        }
        assertTrue(differs, "another seed should give another stream");
    }

    @Test
    void validEventsUseTheCodecFormatKeyedByUser() {
        var g = generator(1, 0, 0, 0);
        Set<InteractionType> types = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            var r = g.next(0);
            DecodeResult d = CODEC.decode(r.value());
            assertTrue(d.isValid(), d.toString());
            assertEquals(r.key(), d.event().userId());
            assertTrue(d.event().userId().matches("user_([1-9][0-9]?|100)"), d.event().userId());
            assertTrue(d.event().itemId().matches("item_([1-9]|[1-4][0-9]|50)"),
                    d.event().itemId());
            // 1000 events per second from the start time: event i at START + i ms
            assertEquals(START + i, d.event().epochMillis());
            types.add(d.event().type());
            assertTrue(new String(r.value())
                    .matches(".*\"timestamp\":\"[0-9T:.-]+\\.[0-9]{3}Z\".*"));
        }
        assertEquals(Set.of(InteractionType.values()), types);
    }

    @Test
    void malformedRecordsAreRejectedWithEachReason() {
        for (InvalidReason reason : InvalidReason.values()) {
            for (int variant = 0; variant < MalformedRecords.VARIANTS; variant++) {
                byte[] v = MalformedRecords.of(reason, variant, new InteractionEvent("user_12",
                        "item_34", InteractionType.CLICK, Instant.ofEpochMilli(START)));
                DecodeResult d = CODEC.decode(v);
                assertFalse(d.isValid(), new String(v));
                assertEquals(reason, d.reason(), new String(v) + " -> " + d);
            }
        }
    }

    @Test
    void invalidAndLateFractionsAreHonoured() {
        var g = generator(7, 0, 0.2, 0.1);
        int n = 100_000;
        int invalid = 0;
        int late = 0;
        Map<InvalidReason, Integer> byReason = new EnumMap<>(InvalidReason.class);
        for (int i = 0; i < n; i++) {
            var r = g.next(0);
            DecodeResult d = CODEC.decode(r.value());
            if (r.invalid() != null) {
                invalid++;
                assertEquals(r.invalid(), d.reason());
                byReason.merge(d.reason(), 1, Integer::sum);
            } else {
                assertTrue(d.isValid());
                long onTime = START + i;
                if (r.late()) {
                    late++;
                    assertEquals(onTime - 900_000, d.event().epochMillis());
                } else {
                    assertEquals(onTime, d.event().epochMillis());
                }
            }
        }
        assertEquals(0.1, invalid / (double) n, 0.005);
        assertEquals(0.2, late / (double) n, 0.005);
        assertEquals(InvalidReason.values().length, byReason.size(), byReason.toString());
        byReason.values().forEach(c -> assertEquals(0.2, c / (double) 10_000, 0.03));
    }

    @Test
    void zipfFollowsItsDistributionWithTheFirstItemHottest() {
        Zipf z = new Zipf(1000, 1.0);
        var rnd = new java.util.SplittableRandom(3);
        int n = 500_000;
        int[] hits = new int[1000];
        for (int i = 0; i < n; i++) {
            hits[z.sample(rnd.nextDouble())]++;
        }
        // p(rank k) = 1 / (k * H_1000), H_1000 = 7.4855
        assertEquals(1 / 7.4855, hits[0] / (double) n, 0.003);
        assertEquals(1 / (2 * 7.4855), hits[1] / (double) n, 0.003);
        assertEquals(z.probability(9), hits[9] / (double) n, 0.002);
        assertTrue(hits[0] > hits[10] && hits[10] > hits[500]);
        assertEquals(0, z.sample(0.0));
        assertEquals(999, z.sample(Math.nextDown(1.0)));
    }

    @Test
    void uniformItemsWhenZipfIsZero() {
        var g = generator(5, 0, 0, 0);
        int[] hits = new int[51];
        for (int i = 0; i < 50_000; i++) {
            String item = CODEC.decode(g.next(0).value()).event().itemId();
            hits[Integer.parseInt(item.substring(5))]++;
        }
        for (int k = 1; k <= 50; k++) {
            assertEquals(1000, hits[k], 150, "item_" + k);
        }
    }

    @Test
    void timelineHoldsTheRateWithoutDrift() {
        long second = TimeUnit.SECONDS.toNanos(1);
        Pacer p = new Pacer(1000, 0, second);
        long now = 0;
        long sent = 0;
        // Each step oversleeps by 0.3 ms, as a real parkNanos does; due times never slip.
        while (now < 60 * second) {
            long wait = p.delayNanos(now);
            if (wait > 0) {
                now += wait + 300_000;
                continue;
            }
            p.sent(10);
            sent += 10;
        }
        assertEquals(60_000, sent, 10);
        assertEquals(0, p.resets());
    }

    @Test
    void stallResetsTheTimelineInsteadOfBursting() {
        long second = TimeUnit.SECONDS.toNanos(1);
        Pacer p = new Pacer(100, 0, second);
        assertEquals(0, p.delayNanos(0));
        p.sent(10);
        assertEquals(100_000_000, p.delayNanos(0)); // 10 events at 100/s: next due at 100 ms
        // A 0.5 s stall is caught up (the timeline is only 0.4 s behind)...
        assertEquals(0, p.delayNanos(500_000_000));
        assertFalse(p.takeReset());
        // ...but a 3 s stall restarts the timeline: no burst of 300 catch-up events.
        assertEquals(0, p.delayNanos(3 * second));
        assertTrue(p.takeReset());
        assertFalse(p.takeReset());
        assertEquals(10 / 3.0, p.lastAchievedRate(), 1e-9);
        p.sent(10);
        assertEquals(100_000_000, p.delayNanos(3 * second));
        assertEquals(1, p.resets());
    }

    @Test
    void unlimitedRateNeverWaits() {
        Pacer p = new Pacer(0, 0, 1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, p.delayNanos(i));
            p.sent(100);
        }
        assertEquals(0, p.resets());
    }
}
