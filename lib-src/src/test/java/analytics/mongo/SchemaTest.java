package analytics.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stored documents and indexes, against the server of {@code MONGO_URI}. */
class SchemaTest {
    private MongoClient client;
    private MongoDatabase db;

    /** A fresh database per test, with the indexes (created twice: idempotent). */
    @BeforeEach
    void database() {
        client = MongoTestServer.client();
        db = client.getDatabase("schema_" + System.nanoTime());
        KpiSchema.ensureIndexes(db);
        KpiSchema.ensureIndexes(db);
    }

    @AfterEach
    void drop() {
        if (client != null) {
            db.drop();
            client.close();
        }
    }

    @Test
    void aWindowCountIsStoredWithTheOriginalsFieldsInOrder() {
        WindowCount c = new WindowCount(Aggregate.USER, "user_1", 0, 600_000, 3);
        db.getCollection(Aggregate.USER.collection()).insertOne(c.toDocument());
        Document d = db.getCollection(Aggregate.USER.collection()).find().first();
        assertEquals(List.of("_id", "user_id", "total_interactions", "window_start",
                "window_end"), new ArrayList<>(d.keySet()));
        assertTrue(d.get(KpiSchema.TOTAL) instanceof Integer);
        assertEquals(c, WindowCount.fromDocument(Aggregate.USER, d));
    }

    @Test
    void theUniqueIndexRejectsASecondDocumentForTheSameWindow() {
        WindowCount c = new WindowCount(Aggregate.USER, "dup", 0, 600_000, 1);
        db.getCollection(Aggregate.USER.collection()).insertOne(c.toDocument());
        assertThrows(MongoWriteException.class, () -> db.getCollection(
                Aggregate.USER.collection()).insertOne(c.toDocument().append("_id", "other")));
    }

    @Test
    void aDeadLetterKeepsTheStartOfItsPayloadAndItsSize() {
        byte[] big = "x".repeat(5000).getBytes();
        InvalidEvent e = InvalidEvent.of("t", 1, 42L, "not_json", "not JSON: x", big, 1000L);
        assertEquals("t/1/42", e.id());
        assertEquals(InvalidEvent.MAX_PAYLOAD_CHARS + 1, e.payload().length());
        assertEquals(5000, e.payloadBytes());
        assertEquals(e.id(), e.toDocument().get("_id"));
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

    @Test
    void theBulkSizeSuitsTheServer() {
        int bulk = MongoConnections.bulkSize(db);
        boolean ferret = db.runCommand(new Document("buildInfo", 1))
                .containsKey("ferretdbVersion");
        assertEquals(ferret ? MongoConnections.FERRETDB_BULK_SIZE : MongoConnections.BULK_SIZE,
                bulk);
    }
}
