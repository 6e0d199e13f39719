package analytics.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link TestStack} parameter. When {@code KAFKA_BOOTSTRAP} and {@code MONGO_URI}
 * are set (the README's test command sets them after {@code stack up}) the tests use that
 * running stack; otherwise the extension starts a private one with {@code ./jbang stack up} on
 * free ports under {@code tests/target/test-stack} and stops it when the test run ends.
 */
public final class StackExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(StackExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == TestStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NS)
                .getOrComputeIfAbsent(TestStack.class, k -> open(), TestStack.class);
    }

    private static TestStack open() {
        String kafka = System.getenv("KAFKA_BOOTSTRAP");
        String mongo = System.getenv("MONGO_URI");
        TestStack stack;
        if (kafka != null && !kafka.isBlank() && mongo != null && !mongo.isBlank()) {
            stack = new TestStack(kafka, mongo, () -> { });
        } else {
            stack = startPrivateStack();
        }
        System.out.println("[stack] tests run against " + stack.describe());
        return stack;
    }

    private static TestStack startPrivateStack() {
        Path storage = Scripts.projectRoot().resolve("tests/target/test-stack");
        String[] args = {"--storage", storage.toString(),
            "--kafka-port", Integer.toString(freePort()),
            "--kafka-controller-port", Integer.toString(freePort()),
            "--mongo-port", Integer.toString(freePort())};
        Scripts.Result up = Scripts.run(Duration.ofMinutes(15), "stack", concat("up", args));
        if (up.exitCode() != 0) {
            throw new IllegalStateException("stack up failed\n" + up.output());
        }
        String kafka = "localhost:" + args[3];
        String mongo = "mongodb://localhost:" + args[7];
        return new TestStack(kafka, mongo, () -> {
            Scripts.Result down = Scripts.run(Duration.ofMinutes(2), "stack", concat("down", args));
            if (down.exitCode() != 0) {
                System.err.println("[stack] stack down failed\n" + down.output());
            }
        });
    }

    private static String[] concat(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /** A port that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
