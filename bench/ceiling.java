///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Benchmark ceiling: plain single-thread Kafka consumer, windows in memory, each final document written once
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

import analytics.core.DecodeResult;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.Windows;
import analytics.mongo.Aggregate;
import analytics.mongo.KpiSchema;
import analytics.mongo.MongoConnections;
import analytics.mongo.WindowCount;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The ceiling of the consumer benchmark (bench/consumer-bench.sh, issue 4): what a plain Java
 * program does with the same work as scripts/consumer.java, without Spark.
 *
 * <p>One thread reads the topic from its beginning to the end offsets it has when the program
 * starts, decodes every record with the project's {@link EventCodec}, counts per-user and
 * per-item windows in memory ({@link Windows}, Spark's window semantics), then writes each final
 * document once, in {@code _id} order, with the driver alone ({@code BulkUpserts}: unordered
 * bulks of {@code --bulk-size} whole-document upserts keyed by {@code _id}, one collection after
 * the other), after
 * creating the same indexes ({@link KpiSchema#ensureIndexes}). Invalid records are counted, not
 * stored (the benchmark topics hold none). No watermark: every event counts.
 *
 * <p>Usage: {@code ./jbang bench/ceiling.java --brokers H:P --topic T --mongo-uri URI --db DB
 * [--window 10m] [--slide 5m] [--bulk-size 1000]}
 *
 * <p>Prints one line {@code ceiling: N events, D documents, ... R events/s} where R is events
 * over the time from connecting to Kafka to the last acknowledged bulk (JVM start excluded;
 * index creation included).
 */
public class ceiling {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--brokers", "localhost:9092",
                "--topic", "test-topic", "--mongo-uri", "mongodb://localhost:27017",
                "--db", "kpi_db", "--window", "10m", "--slide", "5m",
                "--bulk-size", Integer.toString(MongoConnections.BULK_SIZE)));
        for (int i = 0; i < args.length; i++) {
            if (!a.containsKey(args[i]) || i + 1 >= args.length) {
                System.err.println("ceiling: unknown or incomplete argument '" + args[i]
                        + "'; flags: " + a.keySet());
                System.exit(2);
            }
            a.put(args[i], args[++i]);
        }
        Windows windows = new Windows(minutes(a.get("--window")), minutes(a.get("--slide")));
        int bulkSize = Integer.parseInt(a.get("--bulk-size"));

        long t0 = System.nanoTime();
        MongoClient client = MongoConnections.open(a.get("--mongo-uri"), Duration.ofSeconds(30));
        MongoDatabase db = client.getDatabase(a.get("--db"));
        KpiSchema.ensureIndexes(db); // unique index first, as the consumer does
        long tIndex = System.nanoTime();

        // (aggregate, key, window start) -> count; one map per aggregate.
        Map<Aggregate, Map<WinKey, int[]>> counts = new HashMap<>();
        for (Aggregate ag : Aggregate.values()) {
            counts.put(ag, new HashMap<>(1 << 18));
        }
        Map<WinKey, int[]> users = counts.get(Aggregate.USER);
        Map<WinKey, int[]> items = counts.get(Aggregate.ITEM);

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("--brokers"));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 << 20));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(32 << 20));
        EventCodec codec = new EventCodec();
        long events = 0;
        long invalid = 0;
        long tRead;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(a.get("--topic"))
                    .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<TopicPartition> open = new ArrayList<>(parts);
            open.removeIf(tp -> c.position(tp) >= end.get(tp));
            while (!open.isEmpty()) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue; // arrived after start: not part of this run
                    }
                    DecodeResult d = codec.decode(r.value());
                    if (!d.isValid()) {
                        invalid++;
                        continue;
                    }
                    InteractionEvent e = d.event();
                    long ms = e.epochMillis();
                    for (long start : windows.starts(ms)) {
                        users.computeIfAbsent(new WinKey(e.userId(), start), k -> new int[1])[0]++;
                        items.computeIfAbsent(new WinKey(e.itemId(), start), k -> new int[1])[0]++;
                    }
                    events++;
                }
                open.removeIf(tp -> c.position(tp) >= end.get(tp));
            }
        }
        tRead = System.nanoTime();

        // Each aggregate's documents in _id order, as the consumer's tasks write them: a B-tree
        // takes ordered upserts much faster than hash order (bench/RESULTS.md).
        long documents = 0;
        for (Aggregate ag : Aggregate.values()) {
            // _id -> count, so each _id string is built once rather than at every comparison.
            TreeMap<String, WindowCount> docs = new TreeMap<>();
            for (Map.Entry<WinKey, int[]> en : counts.get(ag).entrySet()) {
                long start = en.getKey().start();
                WindowCount c = new WindowCount(ag, en.getKey().key(), start, windows.end(start),
                        en.getValue()[0]);
                docs.put(c.id(), c);
            }
            documents += BulkUpserts.write(db, docs.values().iterator(), bulkSize);
        }
        long tWrite = System.nanoTime();
        client.close();

        double total = (tWrite - t0) / 1e9;
        System.out.printf(Locale.ROOT, "ceiling: %d events (%d invalid), %d documents "
                        + "(%d user, %d item), bulk %d; connect+indexes %.2f s, read+decode+count "
                        + "%.2f s (%.0f events/s), write %.2f s (%.0f documents/s); total %.2f s, "
                        + "%.0f events/s%n", events, invalid, documents, users.size(),
                items.size(), bulkSize, (tIndex - t0) / 1e9, (tRead - tIndex) / 1e9,
                events / ((tRead - tIndex) / 1e9), (tWrite - tRead) / 1e9,
                documents / ((tWrite - tRead) / 1e9), total, events / total);
    }

    /** {@code 10m}, {@code 30s} or {@code 1h}. */
    private static Duration minutes(String s) {
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'h' -> Duration.ofHours(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> throw new IllegalArgumentException("duration like 10m, 30s, 1h: " + s);
        };
    }

    private record WinKey(String key, long start) {
    }
}
