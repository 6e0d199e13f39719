package analytics.generate;

import analytics.core.EventCodec;
import analytics.core.InteractionEvent;
import analytics.core.InteractionType;
import analytics.core.InvalidReason;

import java.time.Instant;
import java.util.SplittableRandom;

/**
 * A reproducible stream of events: every event draws the same number of random values in the
 * same order, so the same seed gives the same users, items, types, late and invalid records;
 * with a fixed start time the timestamps (and so the bytes) are identical too.
 */
public final class EventGenerator {
    /**
     * What the stream looks like.
     *
     * @param startMillis event time of the first event, then 1/rate s per event (1 ms at rate
     *                    0); null to follow the wall clock
     */
    public record Options(long seed, int users, int items, double zipf, Long startMillis,
                          double rate, double lateFraction, long lateByMillis,
                          double invalidFraction) {
    }

    /** One record: its key (the user id), its bytes, why it is invalid (or null), late. */
    public record Generated(String key, byte[] value, InvalidReason invalid, boolean late) {
    }

    private static final InteractionType[] TYPES = InteractionType.values();
    private static final InvalidReason[] REASONS = InvalidReason.values();
    private static final int CACHED_IDS = 200_000;

    private final Options o;
    private final SplittableRandom random;
    private final Zipf zipf;
    private final EventCodec codec = new EventCodec();
    private final String[] userIds;
    private final String[] itemIds;
    private long index;

    public EventGenerator(Options o) {
        this.o = o;
        this.random = new SplittableRandom(o.seed());
        this.zipf = o.zipf() > 0 ? new Zipf(o.items(), o.zipf()) : null;
        this.userIds = o.users() <= CACHED_IDS ? ids("user_", o.users()) : null;
        this.itemIds = o.items() <= CACHED_IDS ? ids("item_", o.items()) : null;
    }

    private static String[] ids(String prefix, int n) {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = prefix + (i + 1);
        }
        return a;
    }

    /** The next event; {@code wallMillis} is used only without a fixed start time. */
    public Generated next(long wallMillis) {
        long i = index++;
        double kindDraw = random.nextDouble();
        int user = random.nextInt(o.users());
        int item = zipf != null ? zipf.sample(random.nextDouble()) : random.nextInt(o.items());
        InteractionType type = TYPES[random.nextInt(TYPES.length)];
        InvalidReason reason = REASONS[random.nextInt(REASONS.length)];
        int variant = random.nextInt(MalformedRecords.VARIANTS);

        long ts = o.startMillis() == null ? wallMillis
                : o.startMillis() + (o.rate() > 0 ? (long) (i * 1000.0 / o.rate()) : i);
        // Invalid and late come from one draw so that their fractions add up exactly:
        // [0, invalid) invalid, [invalid, invalid + late) late, the rest on time.
        boolean invalid = kindDraw < o.invalidFraction();
        boolean late = !invalid && kindDraw < o.invalidFraction() + o.lateFraction();
        if (late) {
            ts -= o.lateByMillis();
        }
        String userId = userIds != null ? userIds[user] : "user_" + (user + 1);
        String itemId = itemIds != null ? itemIds[item] : "item_" + (item + 1);
        InteractionEvent event = new InteractionEvent(userId, itemId, type,
                Instant.ofEpochMilli(ts));
        if (invalid) {
            return new Generated(userId, MalformedRecords.of(reason, variant, event), reason,
                    false);
        }
        return new Generated(userId, codec.encode(event), null, late);
    }
}
