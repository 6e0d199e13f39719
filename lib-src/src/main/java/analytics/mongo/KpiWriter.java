package analytics.mongo;

import analytics.core.Secrets;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import org.bson.Document;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Idempotent writes: every document is a whole-document replace with {@code upsert=true},
 * filtered by its unique key. Writing the same rows twice leaves the collection as writing
 * them once, so a replayed micro-batch (after a crash, or a retry of a failed bulk) changes
 * nothing. Bulks are unordered and of at most {@code bulkSize} documents; the window counts
 * of each collection are written by a thread of their own ({@link #writeCounts}). A bulk the
 * server does not answer is sent again for up to {@link #OUTAGE_PATIENCE}.
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
    /**
     * How long a bulk is sent again while MongoDB does not answer, from the first failure: about
     * as long as Spark's Kafka source waits for a broker (README: Troubleshooting), so a server
     * restart under a running consumer is ridden out. Past it the failure is thrown.
     */
    public static final Duration OUTAGE_PATIENCE = Duration.ofMinutes(3);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);

    private final MongoDatabase db;
    private final int bulkSize;
    private final int queuedBulks;
    private final Duration patience;
    private final Consumer<String> warnings;

    /** A writer with the bulk size that suits the server ({@link #defaultBulkSize}). */
    public KpiWriter(MongoDatabase db) {
        this(db, defaultBulkSize(db));
    }

    public KpiWriter(MongoDatabase db, int bulkSize) {
        this(db, bulkSize, QUEUED_COUNTS);
    }

    /** As {@link #KpiWriter(MongoDatabase, int)}, with at most {@code queued} counts queued. */
    KpiWriter(MongoDatabase db, int bulkSize, int queued) {
        this(db, bulkSize, queued, OUTAGE_PATIENCE, System.err::println);
    }

    /**
     * As {@link #KpiWriter(MongoDatabase, int, int)}, sending bulks again for {@code patience}
     * while the server does not answer, and saying so to {@code warnings}.
     */
    KpiWriter(MongoDatabase db, int bulkSize, int queued, Duration patience,
              Consumer<String> warnings) {
        if (bulkSize < 1) {
            throw new IllegalArgumentException("bulk size must be positive: " + bulkSize);
        }
        this.db = db;
        this.bulkSize = bulkSize;
        this.queuedBulks = Math.max(2, queued / bulkSize);
        this.patience = patience;
        this.warnings = warnings;
    }

    /**
     * The bulk size for the server behind {@code db}: {@link #FERRETDB_BULK_SIZE} when it says
     * it is FerretDB ({@code buildInfo} has {@code ferretdbVersion}), else {@link #BULK_SIZE}.
     */
    public static int defaultBulkSize(MongoDatabase db) {
        Document info = db.runCommand(new Document("buildInfo", 1));
        return info.containsKey("ferretdbVersion") ? FERRETDB_BULK_SIZE : BULK_SIZE;
    }

    /**
     * Upserts every count, routed to its aggregate's collection, and returns the documents
     * written. Each collection has a writer thread of its own, fed through a bounded queue of
     * bulks (at most {@link #QUEUED_COUNTS} counts per collection): the two collections are
     * written at the same time (1.4-1.5x faster than one after the other on mongo-java-server,
     * bench/RESULTS.md) while this thread reads on. The first failed bulk stops everything and
     * is thrown here; writes are idempotent, so a replayed batch repairs what was half-written.
     */
    public long writeCounts(Iterator<WindowCount> counts) {
        Map<Aggregate, Writer> writers = new EnumMap<>(Aggregate.class);
        Map<Aggregate, List<WindowCount>> pending = new EnumMap<>(Aggregate.class);
        ExecutorService threads = Executors.newFixedThreadPool(Aggregate.values().length, r -> {
            Thread t = new Thread(r, "kpi-writer");
            t.setDaemon(true);
            return t;
        });
        try {
            while (counts.hasNext()) {
                WindowCount c = counts.next();
                List<WindowCount> bulk =
                        pending.computeIfAbsent(c.aggregate(), k -> new ArrayList<>(bulkSize));
                bulk.add(c);
                if (bulk.size() >= bulkSize) {
                    writers.computeIfAbsent(c.aggregate(), a -> new Writer(a, threads))
                            .put(bulk);
                    pending.put(c.aggregate(), new ArrayList<>(bulkSize));
                }
            }
            for (Map.Entry<Aggregate, List<WindowCount>> e : pending.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    writers.computeIfAbsent(e.getKey(), a -> new Writer(a, threads))
                            .put(e.getValue());
                }
            }
            long written = 0;
            for (Writer w : writers.values()) {
                w.put(END);
            }
            for (Writer w : writers.values()) {
                written += w.result();
            }
            return written;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Counts a collection's writer may hold queued, so memory stays bounded (~15 MB). */
    static final int QUEUED_COUNTS = 131_072;
    /** The end of a collection's bulks. */
    private static final List<WindowCount> END = new ArrayList<>(0);

    /** One collection's writer thread and its queue of bulks. */
    private final class Writer {
        private final BlockingQueue<List<WindowCount>> queue;
        private final Future<Long> done;

        Writer(Aggregate aggregate, ExecutorService threads) {
            this.queue = new ArrayBlockingQueue<>(queuedBulks);
            MongoCollection<Document> c = db.getCollection(aggregate.collection());
            this.done = threads.submit(() -> {
                long n = 0;
                List<WriteModel<Document>> models = new ArrayList<>(bulkSize);
                for (List<WindowCount> bulk = queue.take(); bulk != END; bulk = queue.take()) {
                    for (WindowCount wc : bulk) {
                        Document doc = wc.toDocument();
                        models.add(new ReplaceOneModel<>(WindowCount.filterOf(doc), doc, UPSERT));
                    }
                    n += flush(c, models);
                }
                return n;
            });
        }

        /** Queues a bulk, waiting for room; a writer that failed is reported at once. */
        void put(List<WindowCount> bulk) {
            try {
                while (!queue.offer(bulk, 50, TimeUnit.MILLISECONDS)) {
                    if (done.isDone()) {
                        result();
                        throw new IllegalStateException("writer ended early");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing to MongoDB", e);
            }
        }

        /** Waits for the writer; its failure is thrown as it was raised. */
        long result() {
            try {
                return done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing to MongoDB", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
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

    /**
     * Writes and clears {@code bulk}. A bulk the server did not take because it stopped
     * answering (a restart, a failover, a cut network) is sent again, waiting 1, 2, 4 … (at most
     * 10) seconds between attempts, until {@link #patience} has passed since the first failure;
     * each attempt also waits the client's server selection (30 s for the shared clients). Every
     * write is idempotent, so a bulk half-applied before the failure is simply completed.
     */
    private int flush(MongoCollection<Document> c, List<WriteModel<Document>> bulk) {
        if (bulk.isEmpty()) {
            return 0;
        }
        int n = bulk.size();
        int duplicateRetries = 0;
        long firstFailure = 0;
        boolean failed = false;
        long backoffMs = 1000;
        while (true) {
            try {
                c.bulkWrite(bulk, UNORDERED);
                bulk.clear();
                return n;
            } catch (MongoBulkWriteException e) {
                // Two upserts of a new key racing each other may both try to insert: one gets a
                // duplicate key error; the write is idempotent, so run the whole bulk again.
                if (++duplicateRetries >= MAX_ATTEMPTS || !onlyDuplicateKeys(e)) {
                    throw e;
                }
            } catch (MongoSocketException | MongoTimeoutException | MongoNotPrimaryException
                     | MongoNodeIsRecoveringException e) {
                long now = System.nanoTime();
                if (!failed) {
                    failed = true;
                    firstFailure = now;
                }
                long waited = now - firstFailure;
                if (waited + TimeUnit.MILLISECONDS.toNanos(backoffMs) > patience.toNanos()) {
                    throw e;
                }
                warnings.accept(String.format(Locale.ROOT, "MongoDB is not answering (%s): %d "
                        + "documents for %s sent again in %d s (%d s of at most %d s)",
                        Secrets.mask(MongoConnections.reason(e)), n,
                        c.getNamespace().getCollectionName(), backoffMs / 1000,
                        TimeUnit.NANOSECONDS.toSeconds(waited), patience.toSeconds()));
                MongoConnections.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 10_000);
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
