package org.dualsparse.dualsparse.drop;

import java.util.function.DoubleUnaryOperator;

/** Finds the threshold at which a drop rate, nondecreasing in the threshold, reaches a target. */
public final class ThresholdBisection {

    private static final int STEPS = 50;

    private ThresholdBisection() {}

    /**
     * The smallest threshold in {@code [lo, hi]} whose {@code rate} reaches {@code target}, to
     * {@code (hi − lo)/2⁵⁰}; {@code lo} for a target of 0 or less, NaN when {@code rate(hi)} falls
     * short of {@code target} by more than {@code tolerance}.
     */
    public static double solve(DoubleUnaryOperator rate, double target, double lo, double hi, double tolerance) {
        if (target <= 0) {
            return lo;
        }
        if (rate.applyAsDouble(hi) < target - tolerance) {
            return Double.NaN;
        }
        for (int i = 0; i < STEPS; i++) {
            double mid = (lo + hi) / 2;
            if (rate.applyAsDouble(mid) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }
}
