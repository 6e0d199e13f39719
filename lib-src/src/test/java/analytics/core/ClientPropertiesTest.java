package analytics.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientPropertiesTest {
    private static final Set<String> KNOWN = Set.of("client.id", "sasl.jaas.config",
            "max.poll.records");

    @Test
    void pairsKeepEverythingAfterTheFirstEqualsAndTheLastValueWins() {
        Properties p = ClientProperties.parsePairs("-X", List.of("client.id=a=b",
                "max.poll.records=5", "max.poll.records=7"), KNOWN, "Kafka consumer");
        assertEquals("a=b", p.getProperty("client.id"));
        assertEquals("7", p.getProperty("max.poll.records"));
    }

    @Test
    void anUnknownKeyIsNamedWithTheFlagAndTheClient() {
        var e = assertThrows(IllegalArgumentException.class, () -> ClientProperties.parsePairs(
                "-X", List.of("linger.ms=5"), KNOWN, "Kafka consumer"));
        assertEquals("Invalid value for option '-X': 'linger.ms' is not a Kafka consumer "
                + "setting", e.getMessage());
    }

    @Test
    void aPairWithoutKeyNeverEchoesItsValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> ClientProperties.parsePairs(
                "-X", List.of("=hunter2"), KNOWN, "Kafka consumer"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("'-X'"), e.getMessage());
        var noEquals = assertThrows(IllegalArgumentException.class, () ->
                ClientProperties.parsePairs("-X", List.of("client.id"), KNOWN, "Kafka consumer"));
        assertTrue(noEquals.getMessage().contains("'client.id' is not KEY=VALUE"),
                noEquals.getMessage());
    }

    @Test
    void anUnreadableFileNamesTheFlagAndThePath(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.properties");
        var e = assertThrows(IllegalArgumentException.class,
                () -> ClientProperties.load("--kafka-config", missing));
        assertTrue(e.getMessage().startsWith("Invalid value for option '--kafka-config': cannot "
                + "read '" + missing + "'"), e.getMessage());
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\n");
        assertEquals("SASL_SSL", ClientProperties.load("--kafka-config", file)
                .getProperty("security.protocol"));
        assertTrue(ClientProperties.load("--kafka-config", null).isEmpty());
    }

    @Test
    void connectionKeepsBootstrapAndSecuritySettingsOnly() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "b:9092");
        p.setProperty("security.protocol", "SASL_SSL");
        p.setProperty("sasl.mechanism", "PLAIN");
        p.setProperty("ssl.truststore.location", "/t.jks");
        p.setProperty("max.poll.records", "10");
        p.setProperty("linger.ms", "5");
        Properties c = ClientProperties.connection(p);
        assertEquals(Set.of("bootstrap.servers", "security.protocol", "sasl.mechanism",
                "ssl.truststore.location"), c.stringPropertyNames());
    }

    @Test
    void anOwnedSettingIsRefusedNamingTheKeyTheFlagAndWhatToUseNeverTheValue() {
        Map<String, String> owned = Map.of("bootstrap.servers", "use --broker",
                "value.serializer", "the script sends JSON bytes");
        Properties p = new Properties();
        p.setProperty("linger.ms", "5");
        p.setProperty("bootstrap.servers", "bob:hunter2@localhost:1");
        var e = assertThrows(IllegalArgumentException.class,
                () -> ClientProperties.refuseOwned("-X", p, owned));
        assertEquals("Kafka setting 'bootstrap.servers' (-X) cannot be set: use --broker",
                e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        p.remove("bootstrap.servers");
        ClientProperties.refuseOwned("-X", p, owned); // the rest stays overridable
        p.setProperty("value.serializer", "x.Y");
        var file = assertThrows(IllegalArgumentException.class,
                () -> ClientProperties.refuseOwned("--kafka-config", p, owned));
        assertEquals("Kafka setting 'value.serializer' (--kafka-config) cannot be set: the script "
                + "sends JSON bytes", file.getMessage());
    }
}
