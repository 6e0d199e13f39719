package analytics.core;

import java.time.Duration;

/**
 * Defaults shared by the scripts, the notebooks and the tests. The flag defaults are those of
 * the original (Python) pipeline; scripts read environment variables of the same meaning first.
 */
public final class Defaults {
    private Defaults() {
    }

    // Kafka
    public static final String BROKERS = "localhost:9092";
    public static final String TOPIC = "test-topic";

    // Producer
    public static final int RATE = 1000;
    public static final int BATCH = 10;

    // MongoDB: the local stack has no authentication; a real deployment passes --mongo-uri.
    public static final String MONGO_URI = "mongodb://localhost:27017";
    public static final String DB = "kpi_db";
    // Collection names live with the schema: analytics.mongo.Aggregate and KpiSchema.

    // Consumer windows
    public static final Duration WINDOW = Duration.ofMinutes(10);
    public static final Duration SLIDE = Duration.ofMinutes(5);
    public static final Duration WATERMARK = Duration.ofMinutes(10);
    public static final String STARTING_OFFSETS = "earliest";

    // Packages a Spark cluster must load for the consumer.
    public static final String SPARK_VERSION = "4.2.0";
    public static final String KAFKA_PACKAGE =
            "org.apache.spark:spark-sql-kafka-0-10_2.13:" + SPARK_VERSION;
    public static final String MONGO_PACKAGE = "org.mongodb.spark:mongo-spark-connector_2.13:10.5.0";
}
