package analytics.producer;

import analytics.scripts.producer;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Defaults;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The producer's command line, parsed from a {@code String[]} in process: no broker needed. */
class ProducerCliTest {

    /** Parses and validates like the script does, without connecting anywhere. */
    private static producer.Settings settings(String... args) {
        CommandLine cl = producer.commandLine();
        cl.parseArgs(args);
        producer p = cl.getCommand();
        return p.validate();
    }

    private record Outcome(int exitCode, String err) {
    }

    /** Runs the command as {@code main} does, capturing its error output. */
    private static Outcome execute(String... args) {
        CommandLine cl = producer.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        return new Outcome(code, err.toString());
    }

    @Test
    void acceptsTheOriginalExampleAsWritten() {
        producer.Settings s = settings("--broker", "localhost:9092", "--topic", "test-topic",
                "--rate", "500", "--batch", "25");
        assertAll(
                () -> assertEquals("localhost:9092", s.broker()),
                () -> assertEquals("test-topic", s.topic()),
                () -> assertEquals(500.0, s.rate()),
                () -> assertEquals(25, s.batch()),
                () -> assertEquals(0, s.count()),
                () -> assertEquals(null, s.duration()));
    }

    @Test
    void keepsTheOriginalDefaults() {
        producer.Settings s = settings();
        // The environment may name another broker (KAFKA_BOOTSTRAP); the rest is fixed.
        if (System.getenv("KAFKA_BOOTSTRAP") == null) {
            assertEquals(Defaults.BROKERS, s.broker());
        }
        if (System.getenv("KAFKA_TOPIC") == null) {
            assertEquals(Defaults.TOPIC, s.topic());
        }
        assertEquals(Defaults.RATE, s.rate());
        assertEquals(Defaults.BATCH, s.batch());
    }

    @Test
    void deliversIdempotentlyWithAcksAllAndCompression() {
        Properties p = settings("--broker", "localhost:9092").kafka();
        assertAll(
                () -> assertEquals("true", p.getProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)),
                () -> assertEquals("all", p.getProperty(ProducerConfig.ACKS_CONFIG)),
                () -> assertEquals("lz4", p.getProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG)),
                () -> assertEquals("5",
                        p.getProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)));
    }

    @Test
    void appliesConfigFileThenOverridesInOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file,
                "compression.type=zstd\nlinger.ms=50\nsecurity.protocol=PLAINTEXT\n");
        Properties p = settings("--kafka-config", file.toString(), "-X", "linger.ms=7",
                "-Xclient.id=a=b").kafka();
        assertAll(
                () -> assertEquals("zstd", p.getProperty("compression.type")),
                () -> assertEquals("7", p.getProperty("linger.ms")),
                () -> assertEquals("a=b", p.getProperty("client.id")),
                () -> assertEquals("PLAINTEXT", p.getProperty("security.protocol")));
    }

    @Test
    void masksSecretsWhenEchoingTheConfig() {
        Properties p = settings("-X", "sasl.jaas.config=org.apache.kafka.common.security.plain."
                + "PlainLoginModule required username=\"u\" password=\"hunter2\";",
                "-X", "ssl.key.password=s3cret").kafka();
        String text = analytics.core.ClientProperties.describe(p);
        assertFalse(text.contains("hunter2"), text);
        assertFalse(text.contains("s3cret"), text);
        assertTrue(text.contains("ssl.key.password="), text);
    }

    @Test
    void parsesDurationsWithUnits() {
        producer.Settings s = settings("--duration", "90s", "--late-by", "15m",
                "--connect-timeout", "500ms", "--close-timeout", "PT2S");
        assertEquals(Duration.ofSeconds(90), s.duration());
        assertEquals(Duration.ofMillis(500), s.connectTimeout());
        assertEquals(Duration.ofSeconds(2), s.closeTimeout());
        assertEquals(Duration.ofMinutes(15).toMillis(), s.events().lateByMillis());
    }

    @ParameterizedTest(name = "{0} {1} -> names {2}")
    @CsvSource(delimiter = '|', value = {
        "--rate|-5|--rate",
        "--rate|abc|--rate",
        "--rate|NaN|--rate",
        "--batch|0|--batch",
        "--batch|-3|--batch",
        "--count|-1|--count",
        "--duration|10x|--duration",
        "--duration|0s|--duration",
        "--users|0|--users",
        "--items|0|--items",
        "--zipf|-1|--zipf",
        "--seed|x|--seed",
        "--start-time|yesterday|--start-time",
        "--late-fraction|1.5|--late-fraction",
        "--late-fraction|-0.1|--late-fraction",
        "--invalid-fraction|2|--invalid-fraction",
        "--late-by|-5m|--late-by",
        "--connect-timeout|0s|--connect-timeout",
        "--report-interval|1ms|--report-interval",
        "--broker|localhost|--broker",
        "--broker|localhost:99999|--broker",
        "--topic|bad topic|--topic",
        "--kafka-config|/nonexistent/client.properties|--kafka-config",
        "-X|novalue|-X",
        "-X|=1|-X",
        "-X|no.such.setting=1|-X",
        "-X|acks=1|-X",
        "-X|linger.ms=soon|-X",
    })
    void rejectsBadValuesWithOneLineNamingTheFlag(String flag, String value, String named) {
        Outcome o = execute(flag, value);
        assertEquals(2, o.exitCode(), o.err());
        String msg = o.err().strip();
        assertEquals(1, msg.lines().count(), "one line expected:\n" + msg);
        assertTrue(msg.contains(named), "should name " + named + ": " + msg);
        assertFalse(msg.contains("Exception") || msg.contains("\tat "), msg);
    }

    @Test
    void rejectsUnknownOptionsWithExit2() {
        Outcome o = execute("--bootstrap-server", "localhost:9092");
        assertEquals(2, o.exitCode(), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(o.err().contains("--bootstrap-server"), o.err());
    }

    @Test
    void acceptsBrokersAsTheConsumerSpellsIt() {
        producer.Settings s = settings("--brokers", "b1:9092,b2:9093");
        assertEquals("b1:9092,b2:9093", s.broker());
        assertEquals("b1:9092,b2:9093", s.kafka().getProperty("bootstrap.servers"));
        Outcome bad = execute("--brokers", "nohost");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--broker"), bad.err());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "bootstrap.servers=localhost:1|use --broker",
        "key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer|user ids",
        "value.serializer=org.apache.kafka.common.serialization.StringSerializer|JSON bytes",
        "transactional.id=tx-1|transactions",
    })
    void refusesTheSettingsTheScriptOwns(String pair, String why, @TempDir Path dir)
            throws Exception {
        Outcome x = execute("-X", pair);
        String key = pair.substring(0, pair.indexOf('='));
        Path file = dir.resolve("client.properties");
        Files.writeString(file, pair + "\n");
        Outcome f = execute("--kafka-config", file.toString());
        for (Outcome o : new Outcome[] {x, f}) {
            assertEquals(2, o.exitCode(), o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
            assertTrue(o.err().contains("Kafka setting '" + key + "'"), o.err());
            assertTrue(o.err().contains(why), o.err());
            assertFalse(o.err().contains("Exception"), o.err());
        }
        assertTrue(x.err().contains("(-X)"), x.err());
        assertTrue(f.err().contains("(--kafka-config)"), f.err());
    }

    @Test
    void keepsDeliveryAndTuningSettingsOverridable() {
        Properties p = settings("-X", "acks=1", "-X", "enable.idempotence=false",
                "-X", "compression.type=zstd", "-X", "linger.ms=20",
                "-X", "delivery.timeout.ms=60000", "-X", "client.id=mine").kafka();
        assertAll(
                () -> assertEquals("1", p.getProperty("acks")),
                () -> assertEquals("false", p.getProperty("enable.idempotence")),
                () -> assertEquals("zstd", p.getProperty("compression.type")),
                () -> assertEquals("20", p.getProperty("linger.ms")),
                () -> assertEquals("60000", p.getProperty("delivery.timeout.ms")),
                () -> assertEquals("mine", p.getProperty("client.id")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bob:s3cret@localhost:1|bob:****@localhost:1",
        "localhost:9092,amy:s3cret@h:2|amy:****@h:2",
        "carol:s3cret@ssl-host|carol:****@ssl-host",
    })
    void neverEchoesTheCredentialsOfABrokerAddress(String value, String shown) {
        Outcome o = execute("--broker", value);
        assertEquals(2, o.exitCode(), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertFalse(o.err().contains("s3cret"), o.err());
        assertTrue(o.err().contains("'" + shown + "' is not HOST:PORT"), o.err());
        assertTrue(o.err().contains("--kafka-config"), o.err());
    }

    @Test
    void rejectsFractionsThatAddUpToMoreThanOne() {
        Outcome o = execute("--late-fraction", "0.6", "--invalid-fraction", "0.6");
        assertEquals(2, o.exitCode(), o.err());
        assertTrue(o.err().contains("--late-fraction"), o.err());
    }

    @Test
    void rejectsAnUnreadableConfigFile(@TempDir Path dir) {
        Outcome o = execute("--kafka-config", dir.toString()); // a folder, not a file
        assertEquals(2, o.exitCode(), o.err());
        assertTrue(o.err().contains("--kafka-config"), o.err());
    }

    @Test
    void helpShowsUnitsAndDefaults() {
        CommandLine cl = producer.commandLine().setUsageHelpAutoWidth(false)
                .setUsageHelpWidth(200);
        String help = cl.getUsageMessage();
        assertAll(
                () -> assertTrue(help.contains("messages per second"), help),
                () -> assertTrue(help.contains("default: 1000"), help),
                () -> assertTrue(help.contains("default: 10)"), help),
                () -> assertTrue(help.contains("default: 60s"), help),
                () -> assertTrue(help.contains("KAFKA_BOOTSTRAP"), help),
                () -> assertTrue(help.contains("--broker, --brokers=HOST:PORT"), help),
                () -> assertTrue(help.contains("130/143"), help));
    }
}
