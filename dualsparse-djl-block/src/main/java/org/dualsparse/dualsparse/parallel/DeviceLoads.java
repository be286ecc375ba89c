package org.dualsparse.dualsparse.parallel;

import java.util.Arrays;
import org.dualsparse.dualsparse.drop.PairDecision;

/**
 * The compute each simulated device does for one layer and batch, in units of one whole expert
 * run on one token: before dropping every routed pair is 1; after, a full pair is 1, a
 * major-only pair its major fraction and a dropped pair 0.
 */
public record DeviceLoads(double[] before, double[] after) {

    /**
     * @param device the device of each pair, from {@link ExpertPlacement#assign}
     * @param majorFraction the share of an expert's neurons a major-only pair computes
     */
    public static DeviceLoads count(int devices, int[] device, byte[] decisions, double majorFraction) {
        double[] before = new double[devices];
        double[] after = new double[devices];
        for (int p = 0; p < device.length; p++) {
            before[device[p]]++;
            after[device[p]] += decisions[p] == PairDecision.FULL ? 1 : decisions[p] == PairDecision.MAJOR ? majorFraction : 0;
        }
        return new DeviceLoads(before, after);
    }

    public static double max(double[] loads) {
        return Arrays.stream(loads).max().orElse(0);
    }

    public static double mean(double[] loads) {
        return Arrays.stream(loads).average().orElse(0);
    }
}
