package org.dualsparse.dualsparse.calibration;

/**
 * Counts of values in {@code [0, 1]} over equal-width bins; a value of exactly 1 falls in the
 * last bin. Counts below a bin edge are exact; inside a bin they are interpolated linearly, so
 * {@link #countBelow} is continuous and nondecreasing and a threshold can be solved for by
 * bisection. The error of the interpolation is at most the mass of the one bin the cut falls in.
 */
public final class ScoreHistogram {

    /** Bins of a calibration profile's histograms: width 1/4096 ≈ 2.4e-4 in score. */
    public static final int DEFAULT_BINS = 4096;

    private final long[] counts;
    private final long[] below;

    /** Wraps {@code counts} (not copied; the caller hands it over). */
    public ScoreHistogram(long[] counts) {
        if (counts.length == 0) {
            throw new IllegalArgumentException("a histogram needs at least one bin");
        }
        this.counts = counts;
        below = new long[counts.length + 1];
        for (int b = 0; b < counts.length; b++) {
            if (counts[b] < 0) {
                throw new IllegalArgumentException("bin " + b + " has a negative count " + counts[b]);
            }
            below[b + 1] = below[b] + counts[b];
        }
    }

    /** The bin of {@code value} among {@code bins} bins over {@code [0, 1]}, clamped into range. */
    public static int bin(double value, int bins) {
        return (int) Math.min(bins - 1, Math.max(0, Math.floor(value * bins)));
    }

    public int bins() {
        return counts.length;
    }

    /** A copy of the counts. */
    public long[] counts() {
        return counts.clone();
    }

    public long total() {
        return below[counts.length];
    }

    /** How many values lie below {@code x}, interpolated inside the bin holding {@code x}. */
    public double countBelow(double x) {
        if (!(x > 0)) {
            return 0;
        }
        if (x >= 1) {
            return total();
        }
        double position = x * counts.length;
        int b = (int) position;
        return below[b] + (position - b) * counts[b];
    }

    /** The value below which a fraction {@code q} of the values lies (the inverse of {@link #countBelow}); NaN when empty. */
    public double quantile(double q) {
        if (total() == 0) {
            return Double.NaN;
        }
        double target = q * total();
        int b = 0;
        while (b < counts.length - 1 && below[b + 1] < target) {
            b++;
        }
        double within = counts[b] == 0 ? 0 : (target - below[b]) / counts[b];
        return (b + Math.min(1, Math.max(0, within))) / counts.length;
    }

    /** The bin-wise sum of {@code this} and {@code other}. */
    public ScoreHistogram plus(ScoreHistogram other) {
        if (other.bins() != bins()) {
            throw new IllegalArgumentException("cannot add histograms of " + bins() + " and " + other.bins() + " bins");
        }
        long[] sum = counts.clone();
        for (int b = 0; b < sum.length; b++) {
            sum[b] += other.counts[b];
        }
        return new ScoreHistogram(sum);
    }
}
