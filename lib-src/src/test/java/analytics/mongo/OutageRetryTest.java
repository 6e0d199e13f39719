package analytics.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Through a TCP proxy that refuses connections until opened, to a real Mongo server. */
class OutageRetryTest {
    private MongoClient client;
    private MongoDatabase db;

    @BeforeEach
    void database() {
        client = MongoTestServer.client();
        db = client.getDatabase("outage_" + System.nanoTime());
    }

    @AfterEach
    void drop() {
        if (client != null) {
            db.drop();
            client.close();
        }
    }

    /** An idempotent write, as all of the project's are: a replace with upsert by _id. */
    private static Integer upsert(MongoDatabase db, int total) {
        db.getCollection("c").replaceOne(new Document("_id", "k"),
                new Document("_id", "k").append("total", total),
                new ReplaceOptions().upsert(true));
        return total;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWriteMadeWhileTheServerIsDownSucceedsOnceItIsBack() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        CountDownLatch warned = new CountDownLatch(1);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (SwitchableProxy proxy = MongoTestServer.proxy();
             MongoClient viaProxy = MongoConnections.open(MongoTestServer.uriThrough(proxy),
                     Duration.ofMillis(500))) {
            OutageRetry retry = new OutageRetry(Duration.ofMinutes(2), line -> {
                warnings.add(line);
                warned.countDown();
            });
            MongoDatabase through = viaProxy.getDatabase(db.getName());
            Future<Integer> written = caller.submit(() -> retry.run("c", () -> upsert(through,
                    7)));
            assertTrue(warned.await(1, TimeUnit.MINUTES), "no retry was reported");
            proxy.open();
            assertEquals(7, written.get(2, TimeUnit.MINUTES));
        } finally {
            caller.shutdownNow();
        }
        assertEquals(7, db.getCollection("c").find().first().getInteger("total"));
        assertTrue(warnings.get(0).startsWith("MongoDB is not answering ("), warnings.get(0));
        assertTrue(warnings.get(0).contains(": c sent again in "), warnings.get(0));
        assertTrue(warnings.get(0).endsWith("of at most 120 s)"), warnings.get(0));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aServerThatStaysDownFailsTheWriteOnceThePatienceIsOver() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (SwitchableProxy proxy = MongoTestServer.proxy();
             MongoClient viaProxy = MongoConnections.open(MongoTestServer.uriThrough(proxy),
                     Duration.ofMillis(500))) {
            OutageRetry retry = new OutageRetry(Duration.ofSeconds(2), warnings::add);
            MongoDatabase through = viaProxy.getDatabase(db.getName());
            assertThrows(MongoTimeoutException.class,
                    () -> retry.run("c", () -> upsert(through, 1)));
        }
        assertFalse(warnings.isEmpty(), "it tried again before giving up");
    }

    @Test
    void aWriteTheServerRefusesIsThrownAtOnce() {
        db.getCollection("c").insertOne(new Document("_id", "k"));
        List<String> warnings = new CopyOnWriteArrayList<>();
        OutageRetry retry = new OutageRetry(Duration.ofMinutes(2), warnings::add);
        assertThrows(MongoWriteException.class, () -> retry.run("c", () -> {
            db.getCollection("c").insertOne(new Document("_id", "k"));
            return null;
        }));
        assertEquals(List.of(), warnings);
    }

    @Test
    void anOutageIsRecognisedInsideASparkFailuresText() {
        RuntimeException spark = new RuntimeException("Job aborted due to stage failure: Task 0 "
                + "failed: com.mongodb.MongoTimeoutException: Timed out after 30000 ms");
        assertTrue(OutageRetry.isOutage(spark));
        assertTrue(OutageRetry.isOutage(new IllegalStateException(
                new MongoTimeoutException("x"))));
        assertFalse(OutageRetry.isOutage(new IllegalStateException("duplicate key")));
    }
}
