package analytics.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.ConnectionString;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Against the Mongo server of {@code MONGO_URI} (CI sets it; skipped locally without it). */
class KpiWriterTest {
    private static MongoClient client;
    private MongoDatabase db;

    @BeforeAll
    static void connect() {
        String uri = System.getenv("MONGO_URI");
        // Skipped locally without a server; in CI (CI=true) a missing MONGO_URI fails instead.
        Assumptions.assumeTrue(uri != null && !uri.isBlank() || System.getenv("CI") != null,
                "MONGO_URI not set");
        client = MongoConnections.open(uri, Duration.ofSeconds(10));
    }

    /** A fresh database per test, with the indexes (created twice: idempotent). */
    @BeforeEach
    void database() {
        db = client.getDatabase("kpiwriter_" + System.nanoTime());
        KpiSchema.ensureIndexes(db);
        KpiSchema.ensureIndexes(db);
    }

    @AfterEach
    void drop() {
        db.drop();
    }

    @AfterAll
    static void close() {
        if (client != null) {
            client.close();
        }
    }

    private static List<WindowCount> counts(int n, int total) {
        List<WindowCount> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new WindowCount(i % 2 == 0 ? Aggregate.USER : Aggregate.ITEM, "k" + i,
                    600_000L * i, 600_000L * i + 600_000L, total));
        }
        return out;
    }

    @Test
    void writingTheSameBatchTwiceChangesNothing() {
        KpiWriter w = new KpiWriter(db);
        assertEquals(2500, w.writeCounts(counts(2500, 3).iterator()));
        List<Document> first = db.getCollection(Aggregate.USER.collection()).find()
                .sort(new Document("user_id", 1)).into(new ArrayList<>());
        w.writeCounts(counts(2500, 3).iterator());
        List<Document> again = db.getCollection(Aggregate.USER.collection()).find()
                .sort(new Document("user_id", 1)).into(new ArrayList<>());
        assertEquals(1250, again.size());
        assertEquals(first, again);
        Document d = again.get(0);
        assertTrue(d.get(KpiSchema.TOTAL) instanceof Integer);
        assertEquals(List.of("_id", "user_id", "total_interactions", "window_start",
                "window_end"), new ArrayList<>(d.keySet()));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void bothCollectionsAreWrittenInFullThroughQueuesSmallerThanTheBatch() {
        // Bulks of 10, at most 2 queued per collection: the reading thread waits for room.
        KpiWriter w = new KpiWriter(db, 10, 20);
        List<WindowCount> batch = counts(600, 5);
        assertEquals(600, w.writeCounts(batch.iterator()));
        for (Aggregate a : Aggregate.values()) {
            List<Document> docs = db.getCollection(a.collection()).find()
                    .into(new ArrayList<>());
            assertEquals(300, docs.size(), a.collection());
            assertTrue(docs.stream().allMatch(d -> d.getInteger(KpiSchema.TOTAL) == 5));
        }
        assertEquals(0, w.writeCounts(List.<WindowCount>of().iterator()));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void bulksSentWhileTheServerIsDownAreWrittenOnceItIsBack() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        CountDownLatch warned = new CountDownLatch(1);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (SwitchableProxy proxy = proxyToTheServer();
             MongoClient viaProxy = MongoConnections.open(uriThrough(proxy),
                     Duration.ofMillis(500))) {
            KpiWriter w = new KpiWriter(viaProxy.getDatabase(db.getName()), 10, 20,
                    Duration.ofMinutes(2), line -> {
                        warnings.add(line);
                        warned.countDown();
                    });
            Future<Long> written = caller.submit(() -> w.writeCounts(counts(100, 3).iterator()));
            assertTrue(warned.await(1, TimeUnit.MINUTES), "no retry was reported");
            proxy.open();
            assertEquals(100, written.get(2, TimeUnit.MINUTES));
        } finally {
            caller.shutdownNow();
        }
        for (Aggregate a : Aggregate.values()) {
            List<Document> docs = db.getCollection(a.collection()).find()
                    .into(new ArrayList<>());
            assertEquals(50, docs.size(), a.collection());
            assertTrue(docs.stream().allMatch(d -> d.getInteger(KpiSchema.TOTAL) == 3));
        }
        assertTrue(warnings.get(0).startsWith("MongoDB is not answering ("), warnings.get(0));
        assertTrue(warnings.get(0).contains("sent again in 1 s"), warnings.get(0));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aServerThatStaysDownFailsTheWriteOnceThePatienceIsOver() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (SwitchableProxy proxy = proxyToTheServer();
             MongoClient viaProxy = MongoConnections.open(uriThrough(proxy),
                     Duration.ofMillis(500))) {
            KpiWriter w = new KpiWriter(viaProxy.getDatabase(db.getName()), 10, 20,
                    Duration.ofSeconds(2), warnings::add);
            assertThrows(MongoTimeoutException.class,
                    () -> w.writeCounts(counts(100, 3).iterator()));
        }
        assertTrue(!warnings.isEmpty(), "the writer tried again before giving up");
    }

    /** A proxy, closed for now, to the server of {@code MONGO_URI}. */
    private static SwitchableProxy proxyToTheServer() throws IOException {
        ServerAddress server = new ServerAddress(
                new ConnectionString(System.getenv("MONGO_URI")).getHosts().get(0));
        return new SwitchableProxy(server.getHost(), server.getPort());
    }

    /** {@code MONGO_URI} with its host replaced by the proxy's. */
    private static String uriThrough(SwitchableProxy proxy) {
        String uri = System.getenv("MONGO_URI");
        String host = new ConnectionString(uri).getHosts().get(0);
        return uri.replaceFirst(java.util.regex.Pattern.quote(host),
                "127.0.0.1:" + proxy.port());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aBulkThatFailsIsThrownToTheCaller() {
        // Another document already holds one window's unique key under another _id: the
        // upsert of that window is refused by the unique index, whatever thread writes it.
        WindowCount taken = new WindowCount(Aggregate.USER, "k40", 24_000_000L, 24_600_000L, 1);
        db.getCollection(Aggregate.USER.collection())
                .insertOne(taken.toDocument().append("_id", "someone else"));
        KpiWriter w = new KpiWriter(db, 10, 20);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> w.writeCounts(counts(600, 5).iterator()));
        // The driver's own exception, as raised in the writer thread: MongoBulkWriteException
        // (FerretDB 1.24's reply to that bulk lacks its "n", so the driver raises a
        // BsonInvalidOperationException there).
        assertTrue(e instanceof MongoBulkWriteException
                || e instanceof org.bson.BsonInvalidOperationException, e.toString());
    }

    @Test
    void aNewerCountReplacesTheOlderOne() {
        KpiWriter w = new KpiWriter(db);
        WindowCount c = new WindowCount(Aggregate.ITEM, "item_x", 0, 300_000, 1);
        w.writeCounts(List.of(c).iterator());
        w.writeCounts(List.of(new WindowCount(Aggregate.ITEM, "item_x", 0, 300_000, 7))
                .iterator());
        List<Document> docs = db.getCollection(Aggregate.ITEM.collection())
                .find(c.filter()).into(new ArrayList<>());
        assertEquals(1, docs.size());
        assertEquals(7, docs.get(0).getInteger(KpiSchema.TOTAL));
    }

    @Test
    void theUniqueIndexRejectsASecondDocumentForTheSameWindow() {
        WindowCount c = new WindowCount(Aggregate.USER, "dup", 0, 600_000, 1);
        db.getCollection(Aggregate.USER.collection()).insertOne(c.toDocument());
        assertThrows(MongoWriteException.class,
                () -> db.getCollection(Aggregate.USER.collection()).insertOne(c.toDocument()));
    }

    @Test
    void deadLettersAreKeyedByTheirKafkaCoordinates() {
        KpiWriter w = new KpiWriter(db);
        byte[] big = "x".repeat(5000).getBytes();
        InvalidEvent e = InvalidEvent.of("t", 1, 42L, "not_json", "not JSON: x", big, 1000L);
        w.writeInvalid(List.of(e, e));
        w.writeInvalid(List.of(e));
        List<Document> docs = db.getCollection(KpiSchema.INVALID_COLLECTION)
                .find(e.filter()).into(new ArrayList<>());
        assertEquals(1, docs.size());
        assertEquals(InvalidEvent.MAX_PAYLOAD_CHARS + 1, docs.get(0).getString("payload").length());
        assertEquals(5000, docs.get(0).getInteger("payload_bytes"));
    }

    @Test
    void progressKeepsTheLastThousandBatches() {
        for (long b = 0; b < ProgressRecord.RETAINED + 20; b++) {
            new ProgressRecord("run", b, 1000L * b, 10, 1.0, Double.NaN, 5, 2.5, 100, 0, 0, 3,
                    -1, "-").store(db);
        }
        assertEquals(ProgressRecord.RETAINED,
                db.getCollection(KpiSchema.PROGRESS_COLLECTION).countDocuments());
        Document slot0 = db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                .find(new Document("_id", 0)).first();
        assertEquals(ProgressRecord.RETAINED, slot0.getLong("batch_id"));
    }

    @Test
    void progressLineNamesEveryFigure() {
        String line = new ProgressRecord("r", 3, 0, 5000, 812.34, 900.0, 120, 40.0, 2100, 4, 2,
                77, 1250, "2026-11-29T00:00:00.000Z").line();
        assertEquals("batch 3: 5000 rows, 812.3 rows/s in, 900.0 rows/s processed, lag 120/40 "
                + "offsets (max/avg per partition), 2100 ms, 4 invalid, 2 late, 77 docs written, "
                + "newest event 1.3 s old, watermark 2026-11-29T00:00:00.000Z", line);
        assertTrue(new ProgressRecord("r", 4, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, -1, "-").line()
                .contains("newest event ? old"), "no event, no age");
        ProgressRecord first = new ProgressRecord("r", 0, 0, 5000, Double.NaN, 900.0, 0, 0,
                2100, 0, 0, 77, 1250, "-");
        assertTrue(first.line().startsWith("batch 0: 5000 rows, ? rows/s in, 900.0 rows/s "),
                "an unknown input rate: " + first.line());
        assertEquals(0.0, first.toDocument().getDouble("input_rows_per_second"),
                "stored as 0: the Mongo subset has no NaN");
    }
}
