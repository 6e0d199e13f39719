package analytics.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WindowsTest {
    private static final Instant T = Instant.parse("2025-12-22T10:32:10.500Z");

    @Test
    void slidingEventBelongsToBothOverlappingWindows() {
        Windows w = new Windows(Defaults.WINDOW, Defaults.SLIDE);
        assertEquals(List.of(
                new Windows.Window(Instant.parse("2025-12-22T10:30:00Z"),
                        Instant.parse("2025-12-22T10:40:00Z")),
                new Windows.Window(Instant.parse("2025-12-22T10:25:00Z"),
                        Instant.parse("2025-12-22T10:35:00Z"))),
                w.windowsOf(T));
    }

    @Test
    void eventOnABoundaryStartsANewWindowAndLeavesTheOldOne() {
        Windows w = new Windows(Defaults.WINDOW, Defaults.SLIDE);
        Instant boundary = Instant.parse("2025-12-22T10:30:00Z");
        assertEquals(List.of(boundary, Instant.parse("2025-12-22T10:25:00Z")),
                w.windowsOf(boundary).stream().map(Windows.Window::start).toList());
    }

    @Test
    void tumblingEventBelongsToExactlyOneWindow() {
        Windows w = new Windows(Duration.ofMinutes(10), Duration.ofMinutes(10));
        assertTrue(w.isTumbling());
        assertArrayEquals(new long[] {Instant.parse("2025-12-22T10:30:00Z").toEpochMilli()},
                w.starts(T.toEpochMilli()));
    }

    @Test
    void slideThatDoesNotDivideTheWindowStillCoversEveryContainingWindow() {
        Windows w = new Windows(Duration.ofMinutes(10), Duration.ofMinutes(3));
        long t = T.toEpochMilli();
        for (long s : w.starts(t)) {
            assertTrue(s <= t && t < w.end(s));
            assertEquals(0, Math.floorMod(s, Duration.ofMinutes(3).toMillis()));
        }
        long slide = Duration.ofMinutes(3).toMillis();
        long expected = 0;
        for (long s = t - Math.floorMod(t, slide); s > t - Duration.ofMinutes(10).toMillis();
                s -= slide) {
            expected++;
        }
        assertEquals(expected, w.starts(t).length);
        assertTrue(expected == 3 || expected == 4);
    }

    @Test
    void eventsBeforeTheEpochUseFloorArithmetic() {
        Windows w = new Windows(Duration.ofMinutes(10), Duration.ofMinutes(5));
        long t = -1;
        assertArrayEquals(new long[] {-300_000, -600_000}, w.starts(t));
    }

    @Test
    void slideLongerThanWindowIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Windows(Duration.ofMinutes(5), Duration.ofMinutes(10)));
    }

    @Test
    void theConsumerTakesOnlySlidesThatDivideTheWindow() {
        assertEquals(Optional.empty(), Windows.slideProblem(Duration.ofMinutes(10),
                Duration.ofMinutes(5)));
        assertEquals(Optional.empty(), Windows.slideProblem(Duration.ofMinutes(10),
                Duration.ofMinutes(10)));
        assertEquals(Optional.of("'3m' must divide the window (10m) evenly"),
                Windows.slideProblem(Duration.ofMinutes(10), Duration.ofMinutes(3)));
        assertEquals(Optional.of("'10m' must not exceed the window (5m)"),
                Windows.slideProblem(Duration.ofMinutes(5), Duration.ofMinutes(10)));
    }
}
