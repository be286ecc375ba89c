package org.dualsparse.dualsparse.drop;

/** No threshold in {@code [δ, 1/K)} (or no split of the measured rates) gives the requested drop rate. */
public final class DropRateUnreachableException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final double target;
    private final double min;
    private final double max;

    /** @param where what the rate is of and how it is reached, e.g. "layer 3 with thresholds from δ = 0.01 to below 1/K = 1/8" */
    public DropRateUnreachableException(String where, double target, double min, double max) {
        super(String.format("a drop rate of %.2f%% is out of reach for %s: the calibration data give %.2f%% to %.2f%%",
                100 * target, where, 100 * min, 100 * max));
        this.target = target;
        this.min = min;
        this.max = max;
    }

    public double target() {
        return target;
    }

    /** The smallest reachable rate (above 0 with 2T: at {@code T = δ} pairs below {@code 2δ} run their major half). */
    public double min() {
        return min;
    }

    /** The largest rate a threshold below {@code 1/K} reaches. */
    public double max() {
        return max;
    }
}
