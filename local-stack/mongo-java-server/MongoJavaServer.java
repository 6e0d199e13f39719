import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs mongo-java-server with its H2 file backend: the stack's MongoDB-protocol server where Go
 * (and so FerretDB) is absent. scripts/stack.java starts it in its own JVM, because its Netty 4.2
 * clashes with Spark's Netty: never run it inside the consumer's JVM.
 *
 * <p>Usage: {@code java -cp ... MongoJavaServer --bind 127.0.0.1 --port 27017 --file DATA.mv}
 */
public final class MongoJavaServer {

    private MongoJavaServer() {
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = 27017;
        Path file = Path.of("storage/mongo/mongo-java-server.mv");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("missing value for " + args[i]);
            }
            switch (args[i]) {
                case "--bind" -> bind = value;
                case "--port" -> port = Integer.parseInt(value);
                case "--file" -> file = Path.of(value);
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        H2Backend backend = new H2Backend(file.toAbsolutePath().toString());
        MongoServer server = new MongoServer(backend);
        server.bind(bind, port);
        System.err.printf("mongo-java-server listening on %s:%d, H2 file %s, pid %d%n", bind, port,
            file.toAbsolutePath(), ProcessHandle.current().pid());

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Stop accepting, close cursors, then flush and close the H2 store.
            server.shutdown();
            backend.close();
            System.err.println("mongo-java-server stopped");
            stopped.countDown();
        }, "mongo-java-server-shutdown"));
        stopped.await();
    }

    private static void usage(String message) {
        System.err.println("MongoJavaServer: " + message
            + " (usage: --bind HOST --port PORT --file H2_FILE)");
        System.exit(2);
    }
}
