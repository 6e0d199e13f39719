package analytics.stream;

import analytics.core.DecodeResult;
import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.mongo.Aggregate;
import analytics.mongo.InvalidEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The consumer's decoding step, before Spark sees the data: decodes each record once with the
 * project's {@link EventCodec} and combines a task's events per (aggregate, key, slide bucket)
 * into one row carrying their number and their latest event time. Every window that contains
 * an event depends only on its slide bucket (the window is a multiple of the slide), so a
 * combined row, stamped with the latest event time of its group, falls into exactly the
 * windows each of its events would, and the watermark (the maximum event time) is the same.
 * One row per group instead of one per event and aggregate spares Spark's shuffle most rows.
 * Groups are emitted whenever {@code maxGroups} are held, so memory stays bounded however
 * large a micro-batch is. Records that are not events become dead letters.
 *
 * @param <R> the input record (a Spark row in the consumer)
 */
public final class EventCombiner<R> {
    /** Groups a task holds before it emits them (bounds memory, not correctness). */
    public static final int MAX_GROUPS = 250_000;

    /** One output row: {@code events} events of {@code key}, the latest at {@code latest}. */
    public record Combined(Aggregate aggregate, String key, long latestMillis, long events) {
    }

    private final long slideMillis;
    private final int maxGroups;
    private final Function<R, byte[]> value;
    private final BiFunction<R, DecodeResult, InvalidEvent> deadLetter;

    /**
     * @param slide      the window slide: the bucket width
     * @param maxGroups  groups held before they are emitted (at least one event's rows)
     * @param value      the record's payload
     * @param deadLetter the dead letter of a record that is not an event
     */
    public EventCombiner(Duration slide, int maxGroups, Function<R, byte[]> value,
                         BiFunction<R, DecodeResult, InvalidEvent> deadLetter) {
        int perEvent = Aggregate.values().length;
        if (maxGroups < perEvent) {
            throw new IllegalArgumentException("maxGroups must be at least " + perEvent
                    + " (one event's rows): " + maxGroups);
        }
        this.slideMillis = slide.toMillis();
        this.maxGroups = maxGroups;
        this.value = value;
        this.deadLetter = deadLetter;
    }

    /** A key in one slide bucket; its value is {count, latest event time}. */
    private record Group(String key, long bucket) {
        /**
         * Mixed, unlike a record's default {@code 31 * key.hashCode() + bucket}: keys such as
         * {@code user_1234} have near hashes, and with consecutive buckets that default crowded
         * HashMap bins into trees (a tenth of the task's time, measured).
         */
        @Override
        public int hashCode() {
            long h = key.hashCode() * 0x9E3779B97F4A7C15L + bucket;
            h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
            return (int) (h ^ (h >>> 32));
        }
    }

    /**
     * The combined rows of {@code input}, lazily: each call to the iterator reads on until
     * the input ends or {@code maxGroups} are held. Each dead letter goes to
     * {@code deadLetters} as its record is read; {@code end} runs once the input is used up.
     */
    public Iterator<Combined> combine(Iterator<R> input, Consumer<InvalidEvent> deadLetters,
                                      Runnable end) {
        EventCodec codec = new EventCodec();
        Aggregate[] aggregates = Aggregate.values();
        return new Iterator<>() {
            private Iterator<Combined> out = Collections.emptyIterator();
            private boolean ended;

            @Override
            public boolean hasNext() {
                while (!out.hasNext() && input.hasNext()) {
                    out = combineNext();
                }
                if (!out.hasNext() && !ended) {
                    ended = true;
                    end.run();
                }
                return out.hasNext();
            }

            @Override
            public Combined next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return out.next();
            }

            /** Reads until the input ends or maxGroups are held; returns their rows. */
            private Iterator<Combined> combineNext() {
                Map<Aggregate, Map<Group, long[]>> groups = new EnumMap<>(Aggregate.class);
                for (Aggregate a : aggregates) {
                    groups.put(a, new HashMap<>());
                }
                int held = 0;
                while (input.hasNext() && held + aggregates.length <= maxGroups) {
                    R r = input.next();
                    DecodeResult d = codec.decode(value.apply(r));
                    if (!d.isValid()) {
                        deadLetters.accept(deadLetter.apply(r, d));
                        continue;
                    }
                    InteractionEvent e = d.event();
                    long t = e.epochMillis();
                    long bucket = Math.floorDiv(t, slideMillis);
                    for (Aggregate a : aggregates) {
                        if (add(groups.get(a), new Group(a.keyOf(e), bucket), t)) {
                            held++;
                        }
                    }
                }
                List<Combined> rows = new ArrayList<>(held);
                for (Aggregate a : aggregates) {
                    for (Map.Entry<Group, long[]> g : groups.get(a).entrySet()) {
                        rows.add(new Combined(a, g.getKey().key(), g.getValue()[1],
                                g.getValue()[0]));
                    }
                }
                return rows.iterator();
            }
        };
    }

    /** Counts one event in its group; true when the group is new. */
    private static boolean add(Map<Group, long[]> groups, Group g, long eventMillis) {
        long[] v = groups.get(g);
        if (v == null) {
            groups.put(g, new long[] {1, eventMillis});
            return true;
        }
        v[0]++;
        v[1] = Math.max(v[1], eventMillis);
        return false;
    }
}
