package analytics.stream;

import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.OutageRetry;
import analytics.mongo.WindowCount;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_millis;

/**
 * The consumer's sink ({@code foreachBatch}): each micro-batch's changed window counts,
 * {@code (aggregate, key, window_start, window_end, total_interactions)}, written to their
 * collections through the MongoDB Spark connector as whole-document replaces with upsert,
 * keyed by the deterministic {@code _id} of {@link WindowCount#id}, so a replayed batch
 * changes nothing.
 *
 * <ul>
 *   <li>Each collection is written by a Spark job of its own, both at the same time; the batch
 *       is computed once (decoding, the stateful aggregation, and the dead letters the decoding
 *       tasks write) and cached for the other.
 *   <li>Each task writes its documents in {@code _id} order: a B-tree takes ordered upserts
 *       far faster than random ones (mongo-java-server: 6k against 2.4k documents/s,
 *       bench/RESULTS.md). The {@code _id} is a column, computed once per row.
 *   <li>A MongoDB that stops answering is ridden out ({@link OutageRetry}): the write is run
 *       again, one line per retry.
 * </ul>
 */
public final class MongoSink implements VoidFunction2<Dataset<Row>, Long> {
    private static final long serialVersionUID = 1L;

    /**
     * What the consumer's writes depend on, set by it whatever the settings say: replaces
     * keyed by {@code _id} with upsert make every write idempotent.
     */
    public static final Map<String, String> OWNED = ownedOptions();

    private static Map<String, String> ownedOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("operationType", "replace");
        m.put("idFieldList", "_id");
        m.put("upsertDocument", "true");
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Map<String, String> options;
    private final OutageRetry retry;
    private final LongAccumulator written;

    /**
     * @param options the connector's write options for every collection ({@link #options})
     * @param retry   how an outage is ridden out
     * @param written counts the documents written
     */
    public MongoSink(Map<String, String> options, OutageRetry retry, LongAccumulator written) {
        this.options = Map.copyOf(options);
        this.retry = retry;
        this.written = written;
    }

    /**
     * The connector's write options: the server and database, {@link #OWNED}, and the given
     * defaults (e.g. {@code maxBatchSize}, {@code ordered}) unless the Spark configuration sets
     * them itself ({@code spark.mongodb.write.<key>}, from {@code --conf} or a properties
     * file): the user's settings win over the consumer's defaults, never over what it owns.
     */
    public static Map<String, String> options(String uri, String database,
                                              Map<String, String> defaults,
                                              Map<String, String> sparkConf) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("connection.uri", uri);
        o.put("database", database);
        o.putAll(OWNED);
        for (Map.Entry<String, String> d : defaults.entrySet()) {
            boolean userSet = sparkConf.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(
                    "spark.mongodb.write." + d.getKey()));
            if (!userSet) {
                o.put(d.getKey(), d.getValue());
            }
        }
        return o;
    }

    @Override
    public void call(Dataset<Row> batch, Long batchId) throws Exception {
        Column id = concat_ws("|", col("key"),
                unix_millis(col(KpiSchema.WINDOW_START)).cast("string"),
                unix_millis(col(KpiSchema.WINDOW_END)).cast("string"));
        Dataset<Row> docs = batch.withColumn("_id", id)
                .sortWithinPartitions(col("aggregate"), col("_id"))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // The first write to reach a partition computes it (decoding, whose tasks write the
            // dead letters, and the state update) and caches it; the other write waits for that
            // partition and reads it from the cache (Spark's block lock): each is computed once.
            SparkSession spark = batch.sparkSession();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (Aggregate a : Aggregate.values()) {
                Dataset<Row> rows = docs.filter(col("aggregate").equalTo(lit(a.code())))
                        .select(columns(a));
                // A thread per collection; Spark runs each write as a job of its own. The
                // thread inherits the query's job group, so stopping the query cancels it.
                writes.add(CompletableFuture.runAsync(() -> {
                    SparkSession.setActiveSession(spark);
                    retry.run("the counts for " + a.collection(), () -> {
                        rows.write().format("mongodb").mode("append").options(options)
                                .option("collection", a.collection()).save();
                        return null;
                    });
                }, r -> {
                    Thread t = new Thread(r, "mongo-sink-" + a.collection());
                    t.setDaemon(true);
                    t.start();
                }));
            }
            awaitAll(writes);
            written.add(docs.count()); // from the cache, which holds the rows written
        } finally {
            docs.unpersist(false);
        }
    }

    /** The stored document's fields, in {@link WindowCount#FIELDS} order, from a batch row. */
    static Column[] columns(Aggregate a) {
        List<Column> c = new ArrayList<>();
        for (String field : WindowCount.fields(a)) {
            c.add(field.equals(a.keyField()) ? col("key").as(field) : col(field));
        }
        return c.toArray(Column[]::new);
    }

    /** Waits for every write; the first failure is thrown as it was raised. */
    private static void awaitAll(List<CompletableFuture<Void>> writes) throws Exception {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce
                    && ce.getCause() != null ? ce.getCause() : e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (InterruptedException e) {
            writes.forEach(w -> w.cancel(true));
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "MongoSink(%s)", options.get("database"));
    }
}
