package org.dualsparse.dualsparse.parallel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.moe.Routing;

/**
 * Load-aware thresholds under expert parallelism (the paper's load-aware dropping). Per layer and batch,
 * device {@code d}'s load is the pairs routed to its experts before dropping, {@code r_d =
 * load_d / (Σ load / D)}, and its pairs follow the 1T/2T rule of the wrapped policy at {@code T_d
 * = T_max} when {@code r_d ≥ 1}, else {@code T_max · r_d}, with the wrapped policy's {@code δ}:
 * light devices, which the layer waits for anyway, drop less. {@code T_max} is the wrapped
 * policy's threshold of the layer, so every device at or above the ideal load, the most loaded
 * one included, decides exactly as the wrapped policy does, and a perfectly balanced batch is
 * decided exactly as by the wrapped policy.
 */
public final class LoadAwareDropPolicy implements DropPolicy {

    private final ThresholdDropPolicy uniform;
    private final PlacementPlan placement;
    private final double majorFraction;
    private final Map<Integer, DeviceLoads> lastLoads = new ConcurrentHashMap<>();

    /** @param majorFraction the share of an expert's neurons a major-only pair computes, for {@link #lastLoads} */
    public LoadAwareDropPolicy(ThresholdDropPolicy uniform, PlacementPlan placement, double majorFraction) {
        this.uniform = uniform;
        this.placement = placement;
        this.majorFraction = majorFraction;
    }

    @Override
    public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
        float maxThreshold = uniform.threshold(layer);
        if (Float.isNaN(maxThreshold)) {
            throw new IllegalStateException("no threshold for layer " + layer + " in " + uniform);
        }
        ExpertPlacement devices = placement.layer(layer);
        int[] device = devices.assign(routing.experts());
        float[] threshold = deviceThresholds(devices.devices(), device, maxThreshold);
        float[] delta = new float[threshold.length];
        for (int d = 0; d < delta.length; d++) {
            delta[d] = (float) uniform.margin().at(threshold[d]);
        }
        for (int p = 0; p < scores.length; p++) {
            decisions[p] = ThresholdDropPolicy.decide(scores[p], threshold[device[p]], delta[device[p]]);
        }
        lastLoads.put(layer, DeviceLoads.count(devices.devices(), device, decisions, majorFraction));
    }

    private static float[] deviceThresholds(int devices, int[] device, float maxThreshold) {
        long[] load = new long[devices];
        for (int d : device) {
            load[d]++;
        }
        double ideal = (double) device.length / devices;
        float[] threshold = new float[devices];
        for (int d = 0; d < devices; d++) {
            double ratio = load[d] / ideal;
            threshold[d] = ratio >= 1 ? maxThreshold : (float) (maxThreshold * ratio);
        }
        return threshold;
    }

    /** The per-device loads of the last batch this policy decided for {@code layer}, or null. */
    public DeviceLoads lastLoads(int layer) {
        return lastLoads.get(layer);
    }

    @Override
    public String toString() {
        return "load-aware " + uniform;
    }
}
