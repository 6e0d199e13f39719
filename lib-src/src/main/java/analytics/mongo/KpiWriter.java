package analytics.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import org.bson.Document;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Idempotent writes: every document is a whole-document replace with {@code upsert=true},
 * filtered by its unique key. Writing the same rows twice leaves the collection as writing
 * them once, so a replayed micro-batch (after a crash, or a retry of a failed bulk) changes
 * nothing. Bulks are unordered and of at most {@code bulkSize} documents.
 */
public final class KpiWriter {
    /**
     * Default documents per {@code bulkWrite}: one round trip per 1,000 documents. On
     * mongo-java-server's H2 file 1,000 wrote 23 % more documents/s than 50 on average
     * (bench/RESULTS.md).
     */
    public static final int BULK_SIZE = 1000;
    /**
     * Documents per {@code bulkWrite} on FerretDB: 1.24 (SQLite) never answered a bulk of 100
     * replaces of existing documents in a 600-document collection (50 took 1 s).
     */
    public static final int FERRETDB_BULK_SIZE = 50;
    private static final int MAX_ATTEMPTS = 3;
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);

    private final MongoDatabase db;
    private final int bulkSize;

    public KpiWriter(MongoDatabase db) {
        this(db, BULK_SIZE);
    }

    public KpiWriter(MongoDatabase db, int bulkSize) {
        if (bulkSize < 1) {
            throw new IllegalArgumentException("bulk size must be positive: " + bulkSize);
        }
        this.db = db;
        this.bulkSize = bulkSize;
    }

    /**
     * The bulk size for the server behind {@code db}: {@link #FERRETDB_BULK_SIZE} when it says
     * it is FerretDB ({@code buildInfo} has {@code ferretdbVersion}), else {@link #BULK_SIZE}.
     */
    public static int defaultBulkSize(MongoDatabase db) {
        Document info = db.runCommand(new Document("buildInfo", 1));
        return info.containsKey("ferretdbVersion") ? FERRETDB_BULK_SIZE : BULK_SIZE;
    }

    /** Upserts every count, routed to its aggregate's collection. Returns documents written. */
    public long writeCounts(Iterator<WindowCount> counts) {
        Map<Aggregate, List<WriteModel<Document>>> pending = new EnumMap<>(Aggregate.class);
        long written = 0;
        while (counts.hasNext()) {
            WindowCount c = counts.next();
            List<WriteModel<Document>> bulk =
                    pending.computeIfAbsent(c.aggregate(), k -> new ArrayList<>(bulkSize));
            Document doc = c.toDocument();
            bulk.add(new ReplaceOneModel<>(WindowCount.filterOf(doc), doc, UPSERT));
            if (bulk.size() >= bulkSize) {
                written += flush(db.getCollection(c.aggregate().collection()), bulk);
            }
        }
        for (Map.Entry<Aggregate, List<WriteModel<Document>>> e : pending.entrySet()) {
            written += flush(db.getCollection(e.getKey().collection()), e.getValue());
        }
        return written;
    }

    /** Upserts dead letters into {@code invalid_events}. Returns documents written. */
    public long writeInvalid(List<InvalidEvent> events) {
        List<WriteModel<Document>> bulk = new ArrayList<>(Math.min(events.size(), bulkSize));
        MongoCollection<Document> c = db.getCollection(KpiSchema.INVALID_COLLECTION);
        long written = 0;
        for (InvalidEvent e : events) {
            bulk.add(new ReplaceOneModel<>(e.filter(), e.toDocument(), UPSERT));
            if (bulk.size() >= bulkSize) {
                written += flush(c, bulk);
            }
        }
        return written + flush(c, bulk);
    }

    /** Writes and clears {@code bulk}. */
    private static int flush(MongoCollection<Document> c, List<WriteModel<Document>> bulk) {
        if (bulk.isEmpty()) {
            return 0;
        }
        int n = bulk.size();
        for (int attempt = 1; ; attempt++) {
            try {
                c.bulkWrite(bulk, UNORDERED);
                bulk.clear();
                return n;
            } catch (MongoBulkWriteException e) {
                // Two upserts of a new key racing each other may both try to insert: one gets a
                // duplicate key error; the write is idempotent, so run the whole bulk again.
                if (attempt >= MAX_ATTEMPTS || !onlyDuplicateKeys(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean onlyDuplicateKeys(MongoBulkWriteException e) {
        for (BulkWriteError err : e.getWriteErrors()) {
            if (err.getCode() != 11000) {
                return false;
            }
        }
        return e.getWriteConcernError() == null;
    }
}
