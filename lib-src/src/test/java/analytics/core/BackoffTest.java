package analytics.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void stepsDoubleFromTheFirstUpToTheMax() {
        Backoff b = Backoff.STANDARD;
        assertEquals(Duration.ofMillis(250), b.step(1));
        assertEquals(Duration.ofMillis(500), b.step(2));
        assertEquals(Duration.ofSeconds(1), b.step(3));
        assertEquals(Duration.ofSeconds(8), b.step(6));
        assertEquals(Duration.ofSeconds(8), b.step(60));
    }

    @Test
    void jitterOnlyShortensAWaitByAtMostItsShare() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5);
        for (int i = 0; i < 200; i++) {
            Duration w = b.within(Duration.ofHours(1)).failed().orElseThrow();
            assertTrue(w.compareTo(Duration.ofMillis(500)) >= 0, w.toString());
            assertTrue(w.compareTo(Duration.ofSeconds(1)) <= 0, w.toString());
        }
    }

    @Test
    void anAttemptBoundEndsAfterThatManyFailures() {
        Backoff.Attempts a = Backoff.STANDARD.attempts(3);
        assertTrue(a.failed().isPresent());
        assertTrue(a.failed().isPresent());
        assertEquals(Optional.empty(), a.failed());
        assertEquals(3, a.attempt());
        assertEquals("after 3 attempts", a.summary());
    }

    @Test
    void aSingleAttemptNeverWaits() {
        Backoff.Attempts a = Backoff.STANDARD.attempts(1);
        assertEquals(Optional.empty(), a.failed());
        assertEquals("after 1 attempt", a.summary());
    }

    @Test
    void aWaitNeverOutlastsTheDeadline() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(5), 0);
        Backoff.Attempts a = b.within(Duration.ofMillis(300));
        Duration w = a.failed().orElseThrow();
        assertTrue(w.compareTo(Duration.ofMillis(300)) <= 0, w.toString());
        assertTrue(a.summary().startsWith("within 300ms (1 attempt"), a.summary());
    }

    @Test
    void aPassedDeadlineEndsTheAttempts() throws InterruptedException {
        Backoff.Attempts a = Backoff.STANDARD.within(Duration.ofMillis(1));
        long until = System.nanoTime() + 5_000_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertEquals(Optional.empty(), a.failed());
        assertEquals(Duration.ZERO, a.left());
    }

    @Test
    void aStopRequestCutsTheWaitShort() {
        Backoff.Attempts a = Backoff.STANDARD.within(Duration.ofMinutes(1));
        long start = System.nanoTime();
        assertFalse(a.sleep(Duration.ofMinutes(1), () -> true));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void waitsAreWrittenForPeople() {
        assertEquals("250 ms", Backoff.format(Duration.ofMillis(250)));
        assertEquals("2 s", Backoff.format(Duration.ofSeconds(2)));
        assertEquals("1.5 s", Backoff.format(Duration.ofMillis(1500)));
    }
}
