package analytics.testkit;

import analytics.scripts.consumer;
import static org.junit.jupiter.api.Assertions.assertEquals;

import analytics.core.Defaults;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.apache.spark.sql.SparkSession;
import org.bson.Document;

/** Shared pieces of the consumer's tests: one Spark session, events, documents, waits. */
public final class ConsumerFixtures {
    private ConsumerFixtures() {
    }

    public static final EventCodec CODEC = new EventCodec();
    /** Event times of generated events start here (a window boundary). */
    public static final Instant T0 = Instant.parse("2026-11-29T00:00:00Z");

    private static SparkSession spark;

    /** One local Spark session for every consumer test in this JVM. */
    public static synchronized SparkSession spark() {
        if (spark == null) {
            spark = consumer.sparkSession(settings("localhost:9092", "unused", "mongodb://unused",
                    Path.of("unused"), "--master", "local[2]"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> spark.stop()));
        }
        return spark;
    }

    /** Settings as the command line would build them, pointed at this test's resources. */
    public static consumer.Settings settings(String brokers, String topic, String mongoUri,
                                      Path checkpointBase, String... extra) {
        List<String> args = new ArrayList<>(List.of("--brokers", brokers, "--topic", topic,
                "--mongo-uri", mongoUri, "--checkpoint-base", checkpointBase.toString()));
        args.addAll(List.of(extra));
        return consumer.parse(args.toArray(String[]::new));
    }

    public static consumer.Settings settings(TestStack stack, String topic, String db, Path dir,
                                      String... extra) {
        List<String> args = new ArrayList<>(List.of("--db", db));
        args.addAll(List.of(extra));
        return settings(stack.kafkaBootstrap(), topic, stack.mongoUri(), dir,
                args.toArray(String[]::new));
    }

    /**
     * {@code n} valid events, in event-time order, spread evenly over {@code span} from
     * {@code start}, over {@code users} users and {@code items} items.
     */
    public static List<InteractionEvent> events(int n, Instant start, Duration span, int users,
                                         int items, long seed) {
        Random r = new Random(seed);
        List<InteractionEvent> out = new ArrayList<>(n);
        InteractionType[] types = InteractionType.values();
        for (int i = 0; i < n; i++) {
            Instant t = start.plusMillis(span.toMillis() * i / n + r.nextInt(1000));
            out.add(new InteractionEvent("user_" + r.nextInt(users), "item_" + r.nextInt(items),
                    types[r.nextInt(types.length)], t));
        }
        return out;
    }

    public static List<byte[]> encode(List<InteractionEvent> events) {
        return events.stream().map(CODEC::encode).toList();
    }

    /** Sends the payloads and waits for every acknowledgement ({@link Topics#send}). */
    public static void send(String bootstrap, String topic, List<byte[]> payloads) {
        Topics.send(bootstrap, topic, payloads);
    }

    /** The stored documents of one aggregate, as window counts; checks the field types. */
    public static Map<WindowKey, Integer> stored(MongoDatabase db, Aggregate a) {
        Map<WindowKey, Integer> out = new HashMap<>();
        for (Document d : db.getCollection(a.collection()).find()) {
            Object total = d.get(KpiSchema.TOTAL);
            if (!(total instanceof Integer)) {
                throw new AssertionError("total_interactions is not an int32: " + d.toJson());
            }
            if (!(d.get(a.keyField()) instanceof String)
                    || !(d.get(KpiSchema.WINDOW_START) instanceof Date)
                    || !(d.get(KpiSchema.WINDOW_END) instanceof Date)) {
                throw new AssertionError("unexpected field types: " + d.toJson());
            }
            WindowKey k = new WindowKey(d.getString(a.keyField()),
                    d.getDate(KpiSchema.WINDOW_START).toInstant(),
                    d.getDate(KpiSchema.WINDOW_END).toInstant());
            if (out.put(k, (Integer) total) != null) {
                throw new AssertionError("two documents for " + k);
            }
        }
        return out;
    }

    /** The consumer's default windows: 10 minutes sliding every 5. */
    public static final Windows DEFAULT_WINDOWS = new Windows(Defaults.WINDOW, Defaults.SLIDE);

    /**
     * Computes the topic's ground truth independently and checks that the stored documents of
     * every aggregate equal it; returns it for further checks.
     */
    public static GroundTruth assertStoredEqualsTruth(String bootstrap, String topic, Windows windows,
                                               MongoDatabase db) {
        GroundTruth truth = GroundTruth.fromTopic(bootstrap, topic, windows);
        for (Aggregate a : Aggregate.values()) {
            assertEquals(truth.of(a), stored(db, a), a.collection());
        }
        return truth;
    }

    /** Polls {@code condition} every 200 ms until true; fails after {@code timeout}. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Waits until the consumer's micro-batches have read {@code rows} records in all. */
    public static void awaitCounted(Scripts.Running consumer, MongoDatabase db, long rows) {
        await(Duration.ofMinutes(5), rows + " records counted", () -> {
            if (!consumer.process().isAlive()) {
                throw new AssertionError("consumer exited early\n" + printed(consumer));
            }
            long n = 0;
            for (Document d : db.getCollection(KpiSchema.PROGRESS_COLLECTION)
                    .find(Filters.gt("input_rows", 0))) {
                n += ((Number) d.get("input_rows")).longValue();
            }
            return n >= rows;
        });
    }

    /** What a running script printed so far, standard output then standard error. */
    public static String printed(Scripts.Running r) {
        return r.stdout() + r.stderr();
    }

    /** Runs {@code ./jbang stack <subcommand>} with the stack's flags and {@code extra}. */
    public static Scripts.Result stackCommand(String subcommand, String[] stack, String... extra) {
        String[] args = new String[1 + stack.length + extra.length];
        args[0] = subcommand;
        System.arraycopy(stack, 0, args, 1, stack.length);
        System.arraycopy(extra, 0, args, 1 + stack.length, extra.length);
        return Scripts.run(Duration.ofMinutes(5), "stack", args);
    }

    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static String defaultsDb() {
        return Defaults.DB;
    }
}
