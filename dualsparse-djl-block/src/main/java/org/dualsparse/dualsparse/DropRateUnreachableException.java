package org.dualsparse.dualsparse;

/** No threshold below {@code 1/K} (and at or above {@code δ}) gives the requested drop rate. */
public final class DropRateUnreachableException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final double target;
    private final double min;
    private final double max;

    /** @param where what the rate is of: "the model", "layer 3" */
    public DropRateUnreachableException(String where, double target, double min, double max, double delta, int topK) {
        super(String.format("a drop rate of %.2f%% is out of reach for %s: thresholds from δ = %s to below 1/K = 1/%d"
                + " give %.2f%% to %.2f%% on the calibration data", 100 * target, where, delta, topK, 100 * min, 100 * max));
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
