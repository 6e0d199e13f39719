import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs mongo-java-server with its H2 file backend (the stack's MongoDB-protocol server where Go,
 * and so FerretDB, is absent), or with its memory backend ({@code --memory}: nothing survives a
 * stop, writes about 5x faster; bench/RESULTS.md). scripts/stack.java starts it in its own
 * JVM, because its Netty 4.2 clashes with Spark's Netty: never run it inside the consumer's JVM.
 *
 * <p>Usage: {@code java -cp ... MongoJavaServer --bind 127.0.0.1 --port 27017
 * (--file DATA.mv | --memory)}
 */
public final class MongoJavaServer {

    private MongoJavaServer() {
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1";
        int port = 27017;
        Path file = Path.of("storage/mongo/mongo-java-server.mv");
        boolean memory = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--memory")) {
                memory = true;
                continue;
            }
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
        MongoBackend backend;
        if (memory) {
            backend = new MemoryBackend();
        } else {
            Files.createDirectories(file.toAbsolutePath().getParent());
            backend = new H2Backend(file.toAbsolutePath().toString());
        }
        MongoServer server = new MongoServer(backend);
        server.bind(bind, port);
        System.err.printf("mongo-java-server listening on %s:%d, %s, pid %d%n", bind, port,
            memory ? "in memory" : "H2 file " + file.toAbsolutePath(),
            ProcessHandle.current().pid());

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
            + " (usage: --bind HOST --port PORT (--file H2_FILE | --memory))");
        System.exit(2);
    }
}
