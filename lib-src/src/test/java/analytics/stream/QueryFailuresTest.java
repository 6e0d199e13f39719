package analytics.stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoTimeoutException;
import org.junit.jupiter.api.Test;

class QueryFailuresTest {
    private static final String MONGO = "mongodb://admin:s3cret@db-1:27017/?authSource=admin";

    @Test
    void aServerThatStopsAnsweringMidRunIsNamedInOneLineWithoutItsPassword() {
        String mongo = QueryFailures.describe(new RuntimeException("Job aborted",
                new MongoTimeoutException("Timed out while waiting for a server. Client view of "
                        + "cluster state is {type=UNKNOWN, servers=[...]}")), MONGO,
                "kafka-1:9092");
        assertTrue(mongo.startsWith("MongoDB at mongodb://admin:****@db-1:27017/?authSource=admin"
                + " stopped answering (MongoTimeoutException: Timed out while waiting for a "
                + "server)"), mongo);
        assertTrue(mongo.contains("nothing is lost"), mongo);
        assertFalse(mongo.contains("s3cret") || mongo.contains("Client view"), mongo);
        String kafka = QueryFailures.describe(new RuntimeException("Job aborted",
                new org.apache.kafka.common.errors.TimeoutException("Timeout of 60000ms expired "
                        + "before the position for partition t-0 could be determined")), MONGO,
                "kafka-1:9092");
        assertTrue(kafka.startsWith("Kafka at kafka-1:9092 stopped answering"), kafka);
        String other = QueryFailures.describe(new RuntimeException("Job aborted",
                new IllegalStateException("boom")), MONGO, "kafka-1:9092");
        assertTrue(other.startsWith("query failed: RuntimeException: Job aborted (cause: "
                + "IllegalStateException: boom)"), other);
        assertFalse(other.contains("\n"), other);
    }
}
