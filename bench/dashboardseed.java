///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Helper of bench/dashboard-bench.sh: writes what the consumer writes, at a size
//JAVA 17+
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/mongo/*.java

import analytics.core.Defaults;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.ProgressRecord;
import analytics.mongo.WindowCount;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Helper of bench/dashboard-bench.sh: fills a database with what the consumer writes, so the
 * dashboard's refresh can be timed at a chosen size without running the pipeline.
 *
 * <pre>
 *   dashboardseed.java MONGO_URI DB USERS ITEMS WINDOWS
 * </pre>
 *
 * Every user and every item gets one document in each of WINDOWS sliding windows (the newest
 * still in progress), so the database holds (USERS + ITEMS) x WINDOWS window documents, plus
 * 60 micro-batches in pipeline_progress. Counts are random (seed 1). Prints one line.
 */
public class dashboardseed {
    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: dashboardseed.java MONGO_URI DB USERS ITEMS WINDOWS");
            System.exit(2);
        }
        int users = Integer.parseInt(args[2]);
        int items = Integer.parseInt(args[3]);
        int windows = Integer.parseInt(args[4]);
        long slide = Defaults.SLIDE.toMillis();
        long length = Defaults.WINDOW.toMillis();
        long now = System.currentTimeMillis();
        long newest = (now / slide) * slide - slide; // [newest, newest + 10 min) holds now
        Random r = new Random(1);
        long started = System.nanoTime();
        long written = 0;
        try (MongoClient client = MongoClients.create(args[0])) {
            MongoDatabase db = client.getDatabase(args[1]);
            KpiSchema.ensureIndexes(db);
            for (Aggregate a : Aggregate.values()) {
                int keys = a == Aggregate.USER ? users : items;
                List<Document> bulk = new ArrayList<>();
                for (int w = 0; w < windows; w++) {
                    long start = newest - w * slide;
                    for (int k = 0; k < keys; k++) {
                        String key = String.format(a == Aggregate.USER ? "user_%05d"
                                : "item_%05d", k);
                        bulk.add(new WindowCount(a, key, start, start + length,
                                1 + r.nextInt(40)).toDocument());
                        if (bulk.size() == 1000) {
                            db.getCollection(a.collection()).insertMany(bulk);
                            written += bulk.size();
                            bulk.clear();
                        }
                    }
                }
                if (!bulk.isEmpty()) {
                    db.getCollection(a.collection()).insertMany(bulk);
                    written += bulk.size();
                }
            }
            for (int b = 0; b < 60; b++) {
                new ProgressRecord("bench", b, now - (60 - b) * 2000L, 1000, 500.0 + b,
                        900.0 + b, 10, 5.0, 800, 0, 0, 1000, 1200 + 10L * b,
                        "1970-01-01T00:00:00.000Z").store(db);
            }
        }
        System.out.printf("seeded %d window documents into %s in %.1f s%n", written, args[1],
                (System.nanoTime() - started) / 1e9);
    }
}
