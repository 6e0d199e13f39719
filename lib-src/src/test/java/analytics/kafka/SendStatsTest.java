package analytics.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The producer's statistics, fed directly: no broker. */
class SendStatsTest {
    @Test
    void statsCountOnlyAcknowledgedSendsInPercentiles() {
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        SendStats s = new SendStats(1000, new PrintStream(errBytes, true));
        long now = System.nanoTime();
        s.start(now);
        for (int ms = 1; ms <= 100; ms++) {
            s.completed(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ms), 100, null);
        }
        s.completed(now, 100, new RuntimeException("boom"));
        assertEquals(100, s.acked());
        assertEquals(1, s.errors());
        assertTrue(s.percentileMs(0.50) >= 50 && s.percentileMs(0.50) <= 51);
        assertTrue(s.percentileMs(0.99) >= 99 && s.percentileMs(0.99) <= 100);
        assertTrue(errBytes.toString().contains("boom"));
        String summary = s.summaryLine();
        assertTrue(summary.startsWith("summary: 100 records sent (acknowledged), 1 failed"),
                summary);
        String window = s.windowLine();
        assertTrue(window.matches(
                "100 records sent, .* records/sec \\(target 1000/s\\), .* 1 errors\\."), window);
    }
}
