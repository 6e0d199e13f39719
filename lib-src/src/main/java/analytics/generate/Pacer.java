package analytics.generate;

/**
 * Schedules sends on an absolute timeline: event k (counted from the timeline's start) is due
 * at {@code start + k / rate}. Sleeping shorter or longer never accumulates drift because each
 * due time is computed from the start, not from the previous send. When the sender falls more
 * than {@code maxLagNanos} behind (broker back-pressure, a pause), the timeline restarts at the
 * current time instead of sending the missed events in a burst.
 */
public final class Pacer {
    private final double nanosPerEvent;
    private final long maxLagNanos;
    private long timelineStart;
    private long onTimeline;
    private long resets;
    private boolean resetPending;
    private double lastAchieved;
    private double lastSeconds;

    /** @param rate events per second; 0 means as fast as possible */
    public Pacer(double rate, long startNanos, long maxLagNanos) {
        this.nanosPerEvent = rate > 0 ? 1e9 / rate : 0;
        this.maxLagNanos = maxLagNanos;
        this.timelineStart = startNanos;
    }

    /** Nanoseconds to wait before the next event is due; 0 when it is due now. */
    public long delayNanos(long now) {
        if (nanosPerEvent == 0) {
            return 0;
        }
        long due = timelineStart + (long) (onTimeline * nanosPerEvent);
        long lag = now - due;
        if (lag > maxLagNanos) {
            double seconds = (now - timelineStart) / 1e9;
            lastAchieved = seconds > 0 ? onTimeline / seconds : 0;
            lastSeconds = seconds;
            timelineStart = now;
            onTimeline = 0;
            resets++;
            resetPending = true;
            return 0;
        }
        return Math.max(0, -lag);
    }

    /** {@code n} events were sent. */
    public void sent(int n) {
        onTimeline += n;
    }

    /** True once after each timeline reset. */
    public boolean takeReset() {
        boolean r = resetPending;
        resetPending = false;
        return r;
    }

    public long resets() {
        return resets;
    }

    /** The rate achieved on the timeline that the last reset ended. */
    public double lastAchievedRate() {
        return lastAchieved;
    }

    /** How long the timeline that the last reset ended lasted, in seconds. */
    public double lastTimelineSeconds() {
        return lastSeconds;
    }
}
