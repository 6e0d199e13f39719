package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class BrokersTest {
    @Test
    void hostPortListsPass() {
        assertEquals(Optional.empty(), Brokers.problem("localhost:9092"));
        assertEquals(Optional.empty(), Brokers.problem("k1:9092, k2.example.com:9093,[::1]:9094"));
    }

    @Test
    void theFirstBadEntryIsNamed() {
        assertEquals(Optional.of("'kafka' is not HOST:PORT (e.g. localhost:9092)"),
                Brokers.problem("k1:9092,kafka"));
        assertEquals(Optional.of("'k1:70000' is not HOST:PORT (e.g. localhost:9092)"),
                Brokers.problem("k1:70000"));
        assertEquals(Optional.of("it must not be empty"), Brokers.problem(" "));
    }

    @Test
    void credentialsInTheAddressAreNeverEchoed() {
        String p = Brokers.problem("bob:s3cret@localhost:9092").orElseThrow();
        assertFalse(p.contains("s3cret"), p);
        assertTrue(p.startsWith("'bob:****@localhost:9092' is not HOST:PORT"), p);
        assertTrue(p.contains("credentials go in --kafka-config"), p);
    }
}
