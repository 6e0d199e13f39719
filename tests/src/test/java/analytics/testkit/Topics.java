package analytics.testkit;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writing test records to a topic, for tests that do not exercise the producer script. */
public final class Topics {
    private Topics() {
    }

    /**
     * Sends the payloads in order (key: a round-robin label over 7 values, so several
     * partitions get records) and waits for every acknowledgement.
     */
    public static void send(String bootstrap, String topic, List<byte[]> payloads) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            int i = 0;
            for (byte[] v : payloads) {
                producer.send(new ProducerRecord<>(topic, "k" + (i++ % 7), v));
            }
            producer.flush();
        }
    }
}
