package analytics.generate;

import java.util.Arrays;

/**
 * Zipf-distributed ranks 0..n-1 (rank 0 the most popular): the cumulative distribution is
 * computed once; each sample is a binary search, not a power per event.
 */
public final class Zipf {
    /** The largest {@code n} (the distribution holds one double per rank). */
    public static final int MAX_ITEMS = 10_000_000;
    private final double[] cdf;

    public Zipf(int n, double s) {
        if (n < 1 || n > MAX_ITEMS) {
            throw new IllegalArgumentException("n must be 1.." + MAX_ITEMS + ": " + n);
        }
        cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        cdf[n - 1] = 1.0;
    }

    /** The rank for a uniform draw {@code u} in [0, 1). */
    public int sample(double u) {
        int i = Arrays.binarySearch(cdf, u);
        int rank = i >= 0 ? i + 1 : -i - 1; // first rank whose cumulative share exceeds u
        return Math.min(rank, cdf.length - 1);
    }

    /** The share of draws that give {@code rank}. */
    public double probability(int rank) {
        return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
    }
}
