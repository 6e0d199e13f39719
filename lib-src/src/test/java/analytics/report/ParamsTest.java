package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamsTest {
    @Test
    void readsValuesWithDefaultsAndClampsRanges() {
        Map<String, String> env = Map.of("R", "1", "BIG", "99", "BAD", "x", "F", "off",
                "T", "Yes", "S", " kpi_db ");
        assertEquals(2, Params.integer(env, "R", 5, 2, 30));
        assertEquals(30, Params.integer(env, "BIG", 5, 2, 30));
        assertEquals(5, Params.integer(env, "BAD", 5, 2, 30));
        assertEquals(5, Params.integer(env, "UNSET", 5, 2, 30));
        assertFalse(Params.flag(env, "F", true));
        assertTrue(Params.flag(env, "T", false));
        assertTrue(Params.flag(env, "BAD", true));
        assertEquals("kpi_db", Params.text(env, "S", "d"));
        assertEquals("d", Params.text(env, "UNSET", "d"));
    }
}
