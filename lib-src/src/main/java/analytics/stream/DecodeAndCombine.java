package analytics.stream;

import analytics.mongo.InvalidEvent;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import scala.Tuple4;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Iterator;

/**
 * The decoding step as a Spark task ({@link EventCombiner} on the Kafka source's rows):
 * input rows are {@code (value, topic, partition, offset, kafka timestamp ms)}, output rows
 * {@code (aggregate code, key, latest event time, events)}. Dead letters go to
 * {@link DeadLetters} from the task, and are counted in {@code invalid}.
 */
public final class DecodeAndCombine
        implements MapPartitionsFunction<Row, Tuple4<String, String, Timestamp, Long>> {
    private static final long serialVersionUID = 1L;

    /** The output's encoder, in the order of {@link #COLUMNS}. */
    public static final Encoder<Tuple4<String, String, Timestamp, Long>> ENCODER =
            Encoders.tuple(Encoders.STRING(), Encoders.STRING(), Encoders.TIMESTAMP(),
                    Encoders.LONG());
    /** The output's column names. */
    public static final String[] COLUMNS = {"aggregate", "key", "event_time", "events"};

    private final Duration slide;
    private final int maxGroups;
    private final DeadLetters deadLetters;
    private final LongAccumulator invalid;

    public DecodeAndCombine(Duration slide, int maxGroups, DeadLetters deadLetters,
                            LongAccumulator invalid) {
        // Checked here, on the driver, rather than in the first task.
        new EventCombiner<Row>(slide, maxGroups, r -> null, (r, d) -> null);
        this.slide = slide;
        this.maxGroups = maxGroups;
        this.deadLetters = deadLetters;
        this.invalid = invalid;
    }

    @Override
    public Iterator<Tuple4<String, String, Timestamp, Long>> call(Iterator<Row> input) {
        TaskContext task = TaskContext.get();
        DeadLetters.Writer writer = deadLetters.open(task == null ? 0 : task.partitionId(),
                task == null ? 0 : task.taskAttemptId());
        if (task != null) {
            TaskCompletionListener close = t -> writer.close();
            task.addTaskCompletionListener(close);
        }
        EventCombiner<Row> combiner = new EventCombiner<>(slide, maxGroups,
                r -> (byte[]) r.get(0),
                (r, d) -> InvalidEvent.of(r.getString(1), r.getInt(2), r.getLong(3),
                        d.reason().code(), d.detail(), (byte[]) r.get(0), r.getLong(4)));
        Iterator<EventCombiner.Combined> out = combiner.combine(input, e -> {
            writer.write(e);
            invalid.add(1);
        }, () -> {
            writer.commit();
            if (task == null) {
                writer.close();
            }
        });
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return out.hasNext();
            }

            @Override
            public Tuple4<String, String, Timestamp, Long> next() {
                EventCombiner.Combined c = out.next();
                return new Tuple4<>(c.aggregate().code(), c.key(), new Timestamp(c.latestMillis()),
                        c.events());
            }
        };
    }
}
