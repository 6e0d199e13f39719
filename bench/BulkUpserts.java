import analytics.mongo.WindowCount;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The benchmarks' own writer, with the Java driver alone: window counts as unordered bulks of
 * whole-document replaces with upsert, keyed by {@code _id}, in the order given, one thread,
 * one bulk at a time (the same documents the consumer writes through the Spark connector).
 */
final class BulkUpserts {
    private BulkUpserts() {
    }

    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);

    /** Writes every count to its aggregate's collection; returns the documents written. */
    static long write(MongoDatabase db, Iterator<WindowCount> counts, int bulkSize) {
        List<WriteModel<Document>> bulk = new ArrayList<>(bulkSize);
        String collection = null;
        long n = 0;
        while (counts.hasNext()) {
            WindowCount c = counts.next();
            String target = c.aggregate().collection();
            if (!target.equals(collection) || bulk.size() >= bulkSize) {
                n += flush(db, collection, bulk);
                collection = target;
            }
            Document doc = c.toDocument();
            bulk.add(new ReplaceOneModel<>(new Document("_id", doc.get("_id")), doc, UPSERT));
        }
        return n + flush(db, collection, bulk);
    }

    private static int flush(MongoDatabase db, String collection,
                             List<WriteModel<Document>> bulk) {
        if (bulk.isEmpty()) {
            return 0;
        }
        int n = bulk.size();
        db.getCollection(collection).bulkWrite(bulk, UNORDERED);
        bulk.clear();
        return n;
    }
}
