package analytics.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamesTest {

    @Test
    void topicsFollowKafkasRule() {
        assertTrue(Names.topicProblem("test-topic").isEmpty());
        assertTrue(Names.topicProblem("a.b_c-1").isEmpty());
        assertTrue(Names.topicProblem("x".repeat(249)).isEmpty());
        assertTrue(Names.topicProblem("x".repeat(250)).isPresent());
        assertTrue(Names.topicProblem("no spaces").isPresent());
        assertTrue(Names.topicProblem(".").isPresent());
        assertTrue(Names.topicProblem("..").isPresent());
        assertTrue(Names.topicProblem("").isPresent());
        assertTrue(Names.topicProblem("a/b").orElseThrow().contains("'a/b'"));
    }

    @Test
    void databasesFollowMongosRule() {
        assertTrue(Names.databaseProblem("kpi_db").isEmpty());
        for (String bad : new String[] {"", "a.b", "a b", "a$b", "a/b", "a\\b", "a\"b",
                "x".repeat(64)}) {
            assertTrue(Names.databaseProblem(bad).isPresent(), bad);
        }
    }

    @Test
    void mongoUrisNeedTheirSchemeAndAreEchoedMasked() {
        assertTrue(Names.mongoUriProblem("mongodb://localhost:27017").isEmpty());
        assertTrue(Names.mongoUriProblem("mongodb+srv://c.example.net").isEmpty());
        String why = Names.mongoUriProblem("http://u:pw123@h").orElseThrow();
        assertFalse(why.contains("pw123"), why);
    }
}
