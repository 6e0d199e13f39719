package analytics.cli;

import analytics.core.ClientProperties;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The Kafka client flags the producer and the consumer share ({@code @Mixin}): a properties
 * file for security and tuning, and {@code -X KEY=VALUE} settings that win over it.
 */
public final class KafkaClientOptions {

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (e.g. security.protocol, sasl.*, ssl.*, "
                    + "tuning); overrides the built-in settings.")
    Path file;

    @Option(names = "-X", paramLabel = "KEY=VALUE",
            description = "One Kafka client setting, repeatable; wins over --kafka-config, "
                    + "e.g. -X compression.type=zstd.")
    List<String> overrides = new ArrayList<>();

    /**
     * The file's settings, then each {@code -X}; every {@code -X} key must be one of
     * {@code known} (the settings of {@code client}, e.g. "Kafka producer"), and none of
     * {@code owned} may appear (setting -> what to do instead).
     *
     * @throws IllegalArgumentException naming the flag and the key, never a value
     */
    public Properties load(Set<String> known, String client, Map<String, String> owned) {
        Properties p = ClientProperties.load("--kafka-config", file);
        ClientProperties.refuseOwned("--kafka-config", p, owned);
        Properties pairs = ClientProperties.parsePairs("-X", overrides, known, client);
        ClientProperties.refuseOwned("-X", pairs, owned);
        p.putAll(pairs);
        return p;
    }

    /** Where the settings came from, for an error about their combination. */
    public String source() {
        return overrides.isEmpty() ? "--kafka-config" : "-X/--kafka-config";
    }
}
