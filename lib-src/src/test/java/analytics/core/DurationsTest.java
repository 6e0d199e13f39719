package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"500ms,500", "30s,30000", "30,30000", "10m,600000", "10 min,600000",
        "1h,3600000", "1d,86400000", "PT2S,2000", "0,0"})
    void parsesTheFlagForms(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10x", "soon", "", "99999999999999999999s"})
    void rejectsOtherTextNamingIt(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text + "' is not a duration"), e::getMessage);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5m", " -1s", "-PT2S"})
    void aNegativeDurationIsNamedAsSuch(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text + "' is negative"), e::getMessage);
    }

    @ParameterizedTest
    @CsvSource({"7200000,2h", "600000,10m", "30000,30s", "500,500ms", "0,0s", "90000,90s"})
    void formatsTheShortestExactForm(long millis, String text) {
        assertEquals(text, Durations.format(Duration.ofMillis(millis)));
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }
}
