///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Helpers of bench/consumer-bench.sh: fill a topic with spread event times, probe freshness, count documents
//JAVA 17+
//DEPS org.apache.kafka:kafka-clients:4.1.1
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS com.fasterxml.jackson.core:jackson-core:2.21.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.2
//DEPS org.slf4j:slf4j-api:2.0.17
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/*.java
//SOURCES ../lib-src/src/main/java/analytics/mongo/*.java
//SOURCES BulkUpserts.java

import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.MongoConnections;
import analytics.mongo.WindowCount;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Helpers of bench/consumer-bench.sh, each encoding with the project's {@link EventCodec}:
 *
 * <pre>
 *   fill  --brokers H:P --topic T --count N --start-time ISO --step-ms 7.2 [--users 10000]
 *         [--items 5000] [--seed 1]
 *       N events, event time start + i * step (fractional ms allowed): spreads 1M events over
 *       2 h with --step-ms 7.2, which the producer cannot (its --start-time steps 1/rate s,
 *       1 ms at --rate 0). Users and items uniform, as the producer's defaults.
 *   probe --brokers H:P --topic T --mongo-uri URI --db DB --seconds 60 [--every-ms 500]
 *       Sends a marker event (a user of its own, event time = now) every --every-ms and polls
 *       its user-window document by _id every 20 ms; prints p50/p95/max from send to visible.
 *   count --mongo-uri URI --db DB
 *       Documents and the sum of total_interactions per aggregate collection.
 *   drop  --mongo-uri URI --db DB
 *       Drops the database (keeps an in-memory server small between runs).
 *   writes --mongo-uri URI --db DB [--docs 30000] [--bulk-size 1000] [--indexes all|unique|none]
 *       [--passes 3] [--order sorted|random]
 *       The server's own upsert rate, without Kafka or Spark: --docs user-window documents
 *       written as the consumer's documents (bulk replaces with upsert, bench/BulkUpserts.java), --passes times (the first inserts, the later
 *       ones replace every document with a new count); documents/s per pass.
 * </pre>
 */
public class consumerbench {
    static final String USAGE = "usage: consumerbench fill|probe|count|drop|writes --flag value ..."
            + " (flags: see the comment at the top of bench/consumerbench.java)";

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println(USAGE);
            return;
        }
        Args a = new Args();
        a.putAll(Map.of("--users", "10000", "--items", "5000",
                "--seed", "1", "--every-ms", "500", "--window", "10", "--slide", "5"));
        try {
            for (int i = 1; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 == args.length) {
                    throw new IllegalArgumentException("expected --flag value pairs, got '"
                            + args[i] + "'");
                }
                a.put(args[i], args[i + 1]);
            }
            switch (args[0]) {
                case "fill" -> fill(a);
                case "probe" -> probe(a);
                case "count" -> count(a);
                case "drop" -> drop(a);
                case "writes" -> writes(a);
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            }
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            System.err.println("consumerbench " + args[0] + ": " + e.getMessage() + "; " + USAGE);
            System.exit(2);
        }
    }

    /** The flags given; a flag a command needs and nobody gave is one clear error. */
    static final class Args extends HashMap<String, String> {
        @Override
        public String get(Object key) {
            String value = super.get(key);
            if (value == null) {
                throw new IllegalArgumentException("missing " + key);
            }
            return value;
        }
    }

    static Properties producerProps(String brokers, String linger) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // as the producer
        p.put(ProducerConfig.LINGER_MS_CONFIG, linger);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
        return p;
    }

    static void fill(Map<String, String> a) {
        long n = Long.parseLong(a.get("--count"));
        long start = Instant.parse(a.get("--start-time")).toEpochMilli();
        double step = Double.parseDouble(a.get("--step-ms"));
        int users = Integer.parseInt(a.get("--users"));
        int items = Integer.parseInt(a.get("--items"));
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(a.get("--seed")));
        InteractionType[] types = InteractionType.values();
        EventCodec codec = new EventCodec();
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> p =
                     new KafkaProducer<>(producerProps(a.get("--brokers"), "10"))) {
            for (long i = 0; i < n; i++) {
                String user = "user_" + (1 + rnd.nextInt(users));
                String item = "item_" + (1 + rnd.nextInt(items));
                InteractionEvent e = new InteractionEvent(user, item,
                        types[rnd.nextInt(types.length)],
                        Instant.ofEpochMilli(start + (long) (i * step)));
                p.send(new ProducerRecord<>(a.get("--topic"), user, codec.encode(e)));
            }
            p.flush();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "fill: %d events, event times %s .. %s, %.1f s%n", n,
                Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + (long) ((n - 1) * step)),
                s);
    }

    static void probe(Map<String, String> a) throws Exception {
        int seconds = Integer.parseInt(a.get("--seconds"));
        long every = Long.parseLong(a.get("--every-ms"));
        Windows w = new Windows(Duration.ofMinutes(Long.parseLong(a.get("--window"))),
                Duration.ofMinutes(Long.parseLong(a.get("--slide"))));
        String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        EventCodec codec = new EventCodec();
        MongoClient client = MongoConnections.open(a.get("--mongo-uri"), Duration.ofSeconds(30));
        MongoDatabase db = client.getDatabase(a.get("--db"));
        MongoCollection<Document> users = db.getCollection(Aggregate.USER.collection());
        List<long[]> latencies = new ArrayList<>(); // {send ns, visible ns}
        Map<String, Long> pending = new HashMap<>(); // _id -> send ns
        long timeoutNs = Duration.ofSeconds(30).toNanos();
        int sent = 0;
        int lost = 0;
        try (KafkaProducer<String, byte[]> p =
                     new KafkaProducer<>(producerProps(a.get("--brokers"), "0"))) {
            long begin = System.nanoTime();
            long nextSend = begin;
            long endSend = begin + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < endSend || !pending.isEmpty()) {
                long now = System.nanoTime();
                if (now >= nextSend && now < endSend) {
                    String user = "probe_" + run + "_" + sent++;
                    Instant t = Instant.now();
                    InteractionEvent e = new InteractionEvent(user, "probe_item",
                            InteractionType.values()[0], t);
                    long start = w.lastStart(t.toEpochMilli());
                    String id = new WindowCount(Aggregate.USER, user, start, w.end(start), 1).id();
                    pending.put(id, System.nanoTime());
                    p.send(new ProducerRecord<>(a.get("--topic"), user, codec.encode(e)));
                    nextSend += every * 1_000_000L; // --every-ms, in ns
                }
                for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                    var en = it.next();
                    if (users.find(new Document("_id", en.getKey())).first() != null) {
                        latencies.add(new long[] {en.getValue(), System.nanoTime()});
                        it.remove();
                    } else if (System.nanoTime() - en.getValue() > timeoutNs) {
                        lost++;
                        it.remove();
                    }
                }
                Thread.sleep(20); // polling interval: the resolution of the figures
            }
        }
        client.close();
        double[] ms = latencies.stream().mapToDouble(l -> (l[1] - l[0]) / 1e6).sorted().toArray();
        System.out.printf(Locale.ROOT, "probe: %d markers, %d seen, %d not seen within 30 s; "
                        + "send->visible p50 %.0f ms, p95 %.0f ms, max %.0f ms, min %.0f ms%n",
                sent, ms.length, lost, pct(ms, 50), pct(ms, 95),
                ms.length == 0 ? Double.NaN : ms[ms.length - 1],
                ms.length == 0 ? Double.NaN : ms[0]);
        System.out.println("probe latencies ms: " + Arrays.toString(
                latencies.stream().mapToLong(l -> (l[1] - l[0]) / 1_000_000).toArray()));
    }

    static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1; // nearest rank
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static void count(Map<String, String> a) {
        try (MongoClient client = MongoConnections.open(a.get("--mongo-uri"),
                Duration.ofSeconds(30))) {
            MongoDatabase db = client.getDatabase(a.get("--db"));
            StringBuilder sb = new StringBuilder("count:");
            for (Aggregate ag : Aggregate.values()) {
                long docs = 0;
                long sum = 0;
                for (Document d : db.getCollection(ag.collection()).find()
                        .projection(new Document("total_interactions", 1)).batchSize(10000)) {
                    docs++;
                    sum += ((Number) d.get("total_interactions")).longValue();
                }
                sb.append(String.format(Locale.ROOT, " %s %d documents sum %d;",
                        ag.collection(), docs, sum));
            }
            System.out.println(sb);
        }
    }

    static void writes(Map<String, String> a) {
        int docs = Integer.parseInt(a.getOrDefault("--docs", "30000"));
        int bulk = Integer.parseInt(a.getOrDefault("--bulk-size", "1000"));
        int passes = Integer.parseInt(a.getOrDefault("--passes", "3"));
        String indexes = a.getOrDefault("--indexes", "all");
        try (MongoClient client = MongoConnections.open(a.get("--mongo-uri"),
                Duration.ofSeconds(30))) {
            MongoDatabase db = client.getDatabase(a.get("--db"));
            db.drop();
            switch (indexes) {
                case "all" -> KpiSchema.ensureIndexes(db);
                case "unique" -> db.getCollection(Aggregate.USER.collection()).createIndex(
                        Indexes.ascending(Aggregate.USER.keyField(), KpiSchema.WINDOW_START,
                                KpiSchema.WINDOW_END),
                        new IndexOptions().unique(true));
                case "none" -> { }
                default -> throw new IllegalArgumentException("--indexes all|unique|none");
            }
            long start = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
            for (int pass = 1; pass <= passes; pass++) {
                List<WindowCount> counts = new ArrayList<>(docs);
                for (int i = 0; i < docs; i++) {
                    long ws = start + (i % 2) * 300_000L;
                    counts.add(new WindowCount(Aggregate.USER, "user_" + (i / 2), ws,
                            ws + 600_000L, pass + i % 7));
                }
                if (a.getOrDefault("--order", "sorted").equals("random")) {
                    Collections.shuffle(counts, new Random(pass));
                }
                long t0 = System.nanoTime();
                long n = BulkUpserts.write(db, counts.iterator(), bulk);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "writes pass %d (%s): %d documents in %.2f s = "
                        + "%.0f documents/s (bulk %d, indexes %s, order %s)%n", pass,
                        pass == 1 ? "insert" : "replace", n, s, n / s, bulk, indexes,
                        a.getOrDefault("--order", "sorted"));
            }
            db.drop();
        }
    }

    static void drop(Map<String, String> a) {
        try (MongoClient client = MongoConnections.open(a.get("--mongo-uri"),
                Duration.ofSeconds(30))) {
            client.getDatabase(a.get("--db")).drop();
        }
    }
}
