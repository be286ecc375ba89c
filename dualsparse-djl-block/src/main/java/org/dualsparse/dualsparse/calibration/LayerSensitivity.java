package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.runtime.DualSparseMoeBlock;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Measures what dropping costs in each MoE layer alone: the mean next-token KL divergence
 * {@code KL(p_dense ‖ p_dropped)} over every position of a calibration slice when only that
 * layer drops, every other layer running whole, at the layer's smallest reachable rate and at
 * 0.5, 1, 1.5 and 2 times the target rate (clipped to what the layer reaches). The input of
 * {@link ThresholdSolver#sensitivityWeighted}.
 */
public final class LayerSensitivity {

    private static final double[] TARGET_MULTIPLES = {0.5, 1, 1.5, 2};

    private LayerSensitivity() {}

    /**
     * Measures every MoE layer of {@code lm}, partitioned by {@code dualSparse} as it will run,
     * with thresholds from {@code solver}. Costs one undropped forward pass per chunk plus one
     * per chunk, layer and rate. Restores the drop policy afterwards and resets the drop
     * statistics, which the measurement filled.
     */
    public static SortedMap<Integer, SensitivityCurve> measure(MoeLanguageModel lm, DualSparseRuntime dualSparse,
            ThresholdSolver solver, double target, Margin margin, List<long[]> sequences, int maxLength) {
        List<long[]> chunks = Chunks.of(lm, sequences, maxLength);
        Map<Integer, double[]> rates = new TreeMap<>();
        Map<Integer, List<DropPolicy>> policies = new TreeMap<>();
        for (DualSparseMoeBlock block : dualSparse.blocks()) {
            int layer = block.layer();
            double[] layerRates = rates(solver.minRate(layer, margin), solver.maxRate(layer, margin), target);
            List<DropPolicy> layerPolicies = new ArrayList<>();
            for (double rate : layerRates) {
                layerPolicies.add(onlyLayer(layer, solver.perLayer(Map.of(layer, rate), margin)));
            }
            rates.put(layer, layerRates);
            policies.put(layer, layerPolicies);
        }
        Map<Integer, double[]> klSums = new TreeMap<>();
        rates.forEach((layer, r) -> klSums.put(layer, new double[r.length]));
        long positions = 0;
        try (DualSparseRuntime.PolicyScope undropped = dualSparse.using(DropPolicy.NONE);
                StatsWindow measurement = dualSparse.measuring()) {
            for (long[] chunk : chunks) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    NDArray dense = logProbabilities(lm, step, chunk);
                    NDArray denseProbabilities = dense.exp();
                    for (Map.Entry<Integer, List<DropPolicy>> layer : policies.entrySet()) {
                        for (int i = 0; i < layer.getValue().size(); i++) {
                            try (DualSparseRuntime.PolicyScope dropping = dualSparse.using(layer.getValue().get(i));
                                    NDManager pass = step.newSubManager()) {
                                NDArray dropped = logProbabilities(lm, pass, chunk);
                                klSums.get(layer.getKey())[i] += dropped.sub(dense).mul(denseProbabilities).sum().neg().getFloat();
                            }
                        }
                    }
                }
                positions += chunk.length;
            }
        }
        SortedMap<Integer, SensitivityCurve> curves = new TreeMap<>();
        for (Map.Entry<Integer, double[]> layer : klSums.entrySet()) {
            double[] kl = layer.getValue();
            for (int i = 0; i < kl.length; i++) {
                // Float rounding can make a tiny divergence come out a hair below zero.
                kl[i] = Math.max(0, kl[i] / positions);
            }
            curves.put(layer.getKey(), new SensitivityCurve(rates.get(layer.getKey()), kl));
        }
        return curves;
    }

    /** The layer's smallest rate and the target's multiples within {@code (min, max]}, increasing. */
    private static double[] rates(double min, double max, double target) {
        List<Double> rates = new ArrayList<>(List.of(min));
        for (double multiple : TARGET_MULTIPLES) {
            double rate = Math.min(max, multiple * target);
            if (rate > rates.get(rates.size() - 1)) {
                rates.add(rate);
            }
        }
        return rates.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static NDArray logProbabilities(MoeLanguageModel lm, NDManager manager, long[] chunk) {
        return lm.forward(manager, new long[][] {chunk}, null, null, false).logSoftmax(-1);
    }

    private static DropPolicy onlyLayer(int layer, DropPolicy policy) {
        return (l, routing, scores, decisions) -> (l == layer ? policy : DropPolicy.NONE).decide(l, routing, scores, decisions);
    }
}
