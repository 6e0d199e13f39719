package analytics.stream;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Spark rows for the MongoDB connector built from the documents the schema classes define
 * ({@code toDocument()} of {@link analytics.mongo.InvalidEvent} and its kin), so that a
 * document is defined once: field names, order and types come from it. Only the types of the
 * project's MongoDB subset: strings, 32- and 64-bit integers, doubles, booleans, dates.
 */
public final class BsonRows {
    private BsonRows() {
    }

    /** The Spark schema of documents shaped like {@code sample}, field by field, in order. */
    public static StructType schemaOf(Document sample) {
        List<StructField> fields = new ArrayList<>();
        for (Map.Entry<String, Object> e : sample.entrySet()) {
            fields.add(DataTypes.createStructField(e.getKey(), typeOf(e.getKey(), e.getValue()),
                    true));
        }
        return DataTypes.createStructType(fields);
    }

    /** {@code doc} as a row of {@code schema} (a field it lacks is null). */
    public static InternalRow toInternalRow(Document doc, StructType schema) {
        StructField[] fields = schema.fields();
        Object[] values = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            Object v = doc.get(fields[i].name());
            if (v instanceof String s) {
                values[i] = UTF8String.fromString(s);
            } else if (v instanceof Date d) {
                values[i] = d.getTime() * 1000L; // Spark timestamps are microseconds
            } else {
                values[i] = v;
            }
        }
        return new GenericInternalRow(values);
    }

    private static DataType typeOf(String field, Object v) {
        if (v instanceof String) {
            return DataTypes.StringType;
        }
        if (v instanceof Integer) {
            return DataTypes.IntegerType;
        }
        if (v instanceof Long) {
            return DataTypes.LongType;
        }
        if (v instanceof Double) {
            return DataTypes.DoubleType;
        }
        if (v instanceof Boolean) {
            return DataTypes.BooleanType;
        }
        if (v instanceof Date) {
            return DataTypes.TimestampType;
        }
        throw new IllegalArgumentException("field " + field + ": " + (v == null ? "null"
                : v.getClass().getSimpleName()) + " is outside the project's MongoDB subset");
    }
}
