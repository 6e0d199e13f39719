package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void masksThePasswordOfAMongoUriAndKeepsTheRest() {
        assertEquals("mongodb://admin:****@localhost:27017/?authSource=admin",
                Secrets.maskUri("mongodb://admin:password@localhost:27017/?authSource=admin"));
    }

    @Test
    void masksPasswordsInsideLongerTextAndSeveralHosts() {
        String masked = Secrets.mask("cannot reach mongodb+srv://bob:s3cr%40t@db.example.com/x"
                + " nor mongodb://amy:p@h1:1,h2:2");
        assertFalse(masked.contains("s3cr"));
        assertFalse(masked.contains(":p@"));
        assertEquals("cannot reach mongodb+srv://bob:****@db.example.com/x"
                + " nor mongodb://amy:****@h1:1,h2:2", masked);
    }

    @Test
    void leavesUrisWithoutPasswordAlone() {
        assertEquals("mongodb://localhost:27017", Secrets.maskUri("mongodb://localhost:27017"));
        assertEquals("mongodb://user@host/db", Secrets.maskUri("mongodb://user@host/db"));
        assertNull(Secrets.maskUri(null));
    }

    @Test
    void masksSaslJaasPasswords() {
        assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"alice\" password=\"****\";",
                Secrets.mask("org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"alice\" password=\"alice-secret\";"));
        assertEquals("ssl.keystore.password=****", Secrets.mask("ssl.keystore.password=abc123"));
    }

    @Test
    void masksThePasswordOfAnAddressWithoutScheme() {
        assertEquals("bob:****@localhost:1", Secrets.mask("bob:s3cret@localhost:1"));
        assertEquals("'--broker': 'bob:****@localhost:1' is not HOST:PORT",
                Secrets.mask("'--broker': 'bob:s3cret@localhost:1' is not HOST:PORT"));
        assertEquals("a:****@h1:1,bob:****@h2:2", Secrets.mask("a:x@h1:1,bob:p@ss@h2:2"));
        assertEquals("bootstrap.servers=u:****@h:9092",
                Secrets.mask("bootstrap.servers=u:pw@h:9092"));
    }

    @Test
    void leavesAddressesWithoutPasswordAlone() {
        for (String text : new String[] {"localhost:9092", "bob@localhost:1", "[::1]:9092",
            "mongodb://admin:****@localhost:27017", "cannot reach h:1 at 10:00:00Z"}) {
            assertEquals(text, Secrets.mask(text));
        }
    }
}
