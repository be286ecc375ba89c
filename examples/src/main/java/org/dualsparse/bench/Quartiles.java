package org.dualsparse.bench;

import java.util.Arrays;

/** The 25th, 50th and 75th percentiles of a sample, interpolated linearly between sorted values. */
public record Quartiles(double p25, double median, double p75) {

    static Quartiles of(double[] samples) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Quartiles(quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75));
    }

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = (int) Math.ceil(at);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }
}
