import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Small Kafka chores of bench/producer-bench.sh, run with Java's source launcher on the
 * kafka-tools classpath:
 *
 * <pre>
 *   java -cp CP bench/BenchTools.java create BROKER TOPIC PARTITIONS
 *   java -cp CP bench/BenchTools.java dump   BROKER TOPIC MAX FILE   # values, one a line
 *   java -cp CP bench/BenchTools.java size   BROKER TOPIC            # bytes in the log
 * </pre>
 */
public class BenchTools {
    public static void main(String[] args) throws Exception {
        String broker = args[1];
        switch (args[0]) {
            case "create" -> create(broker, args[2], Integer.parseInt(args[3]));
            case "dump" -> dump(broker, args[2], Integer.parseInt(args[3]), Path.of(args[4]));
            case "size" -> System.out.println(size(broker, args[2]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static Admin admin(String broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
        return Admin.create(p);
    }

    static void create(String broker, String topic, int partitions) throws Exception {
        try (Admin a = admin(broker)) {
            a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().allMatch(p -> p.leader() != null)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no leader for " + topic);
                }
                Thread.sleep(100); // polling the broker's state, not synchronising threads
            }
        }
    }

    /** Writes up to {@code max} record values, one a line; prints count and mean size. */
    static void dump(String broker, String topic, int max, Path file) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        long n = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
             BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic)
                    .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (n < max && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (n < max) {
                        String v = new String(r.value(), StandardCharsets.UTF_8);
                        w.write(v);
                        w.newLine();
                        n++;
                        bytes += r.value().length;
                    }
                }
            }
        }
        System.out.printf("%d %.1f%n", n, n == 0 ? 0.0 : bytes / (double) n);
    }

    /** Bytes of the topic's partitions on the broker(s). */
    static long size(String broker, String topic) throws Exception {
        try (Admin a = admin(broker)) {
            List<Integer> ids = new ArrayList<>();
            a.describeCluster().nodes().get(30, TimeUnit.SECONDS).forEach(n -> ids.add(n.id()));
            long total = 0;
            for (Map<String, LogDirDescription> dirs : a.describeLogDirs(ids).allDescriptions()
                    .get(30, TimeUnit.SECONDS).values()) {
                for (LogDirDescription d : dirs.values()) {
                    for (var e : d.replicaInfos().entrySet()) {
                        if (e.getKey().topic().equals(topic)) {
                            total += e.getValue().size();
                        }
                    }
                }
            }
            return total;
        }
    }
}
