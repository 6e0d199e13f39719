package analytics.stream;

import analytics.mongo.InvalidEvent;
import analytics.mongo.KpiSchema;
import com.mongodb.spark.sql.connector.MongoTableProvider;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Dead letters written by the decoding tasks through the MongoDB Spark connector's own data
 * writer: the same writer {@code df.write().format("mongodb")} runs in each task, built on the
 * driver from the same options as the window counts ({@link MongoSink#options}) and sent to
 * the executors with the task. Each task writes its dead letters as it finds them, in bulks of
 * the connector's {@code maxBatchSize}: no second pass over the topic, and none of them held
 * anywhere but in the task's current bulk. Each is a whole-document replace with upsert keyed
 * by {@code _id} = {@code topic/partition/offset}, so a replayed micro-batch changes nothing.
 */
public final class ConnectorDeadLetters implements DeadLetters {
    private static final long serialVersionUID = 1L;

    /** The document shape of {@code invalid_events}, from its one definition. */
    static final StructType SCHEMA = BsonRows.schemaOf(
            InvalidEvent.of("t", 0, 0, "r", "d", new byte[0], 0).toDocument());

    private final DataWriterFactory factory;

    private ConnectorDeadLetters(DataWriterFactory factory) {
        this.factory = factory;
    }

    /**
     * Builds the connector's writer factory on the driver (the active Spark session's
     * {@code spark.mongodb.write.*} settings apply, then {@code options}).
     */
    public static ConnectorDeadLetters create(Map<String, String> options) {
        Map<String, String> all = new HashMap<>(options);
        all.put("collection", KpiSchema.INVALID_COLLECTION);
        var table = (SupportsWrite) new MongoTableProvider().getTable(SCHEMA, new Transform[0],
                all);
        CaseInsensitiveStringMap caseless = new CaseInsensitiveStringMap(all);
        String queryId = UUID.randomUUID().toString();
        LogicalWriteInfo info = new LogicalWriteInfo() {
            @Override
            public CaseInsensitiveStringMap options() {
                return caseless;
            }

            @Override
            public String queryId() {
                return queryId;
            }

            @Override
            public StructType schema() {
                return SCHEMA;
            }
        };
        PhysicalWriteInfo physical = () -> 1;
        return new ConnectorDeadLetters(table.newWriteBuilder(info).build().toBatch()
                .createBatchWriterFactory(physical));
    }

    @Override
    public Writer open(int partitionId, long taskAttemptId) {
        return new Writer() {
            private DataWriter<InternalRow> writer;

            @Override
            public void write(InvalidEvent deadLetter) {
                if (writer == null) {
                    writer = factory.createWriter(partitionId, taskAttemptId);
                }
                try {
                    writer.write(BsonRows.toInternalRow(deadLetter.toDocument(), SCHEMA));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void commit() {
                if (writer != null) {
                    try {
                        writer.commit();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void close() {
                if (writer != null) {
                    try {
                        writer.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    writer = null;
                }
            }
        };
    }
}
