package analytics.core;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kafka bootstrap lists as the scripts take them: {@code HOST:PORT[,HOST:PORT...]}. */
public final class Brokers {
    private static final Pattern HOST_PORT =
            Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):([0-9]{1,5})");

    private Brokers() {
    }

    /**
     * Why {@code list} is not a bootstrap list, for an error after "Invalid value for option
     * 'FLAG': ", e.g. "'kafka' is not HOST:PORT (e.g. localhost:9092)"; empty when it is one.
     * Never echoes a password ({@code user:secret@host:9092} is no HOST:PORT either).
     */
    public static Optional<String> problem(String list) {
        if (list == null || list.isBlank()) {
            return Optional.of("it must not be empty");
        }
        for (String hp : list.split(",")) {
            Matcher m = HOST_PORT.matcher(hp.trim());
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1
                    || Integer.parseInt(m.group(2)) > 65535) {
                return Optional.of("'" + Secrets.mask(hp.trim()) + "' is not HOST:PORT (e.g. "
                        + "localhost:9092" + (hp.contains("@")
                        ? "; credentials go in --kafka-config)" : ")"));
            }
        }
        return Optional.empty();
    }
}
