package org.dualsparse.dualsparse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.dualsparse.model.MoeLanguageModel;

/**
 * How much each MoE layer's dropping alone costs: the mean next-token KL divergence {@code
 * KL(p_dense ‖ p_dropped)} over every position of a calibration slice, when only that layer
 * drops by a given policy and every other layer runs whole. The input of {@link
 * ThresholdSolver#sensitivityWeighted}.
 */
public final class LayerSensitivity {

    private LayerSensitivity() {}

    /**
     * Measures every MoE layer of {@code lm}, partitioned by {@code dualSparse}, under {@code
     * policy} (usually {@link ThresholdSolver#perLayerEqual} at the target rate). Costs one
     * forward pass per chunk and per MoE layer, plus one undropped. Restores the policy
     * afterwards and resets the drop statistics, which the measurement filled.
     *
     * @return mean KL per MoE layer index, in nats
     */
    public static SortedMap<Integer, Double> measure(
            MoeLanguageModel lm, DualSparse dualSparse, DropPolicy policy, List<long[]> sequences, int maxLength) {
        List<long[]> chunks = Chunks.of(lm, sequences, maxLength);
        List<DualSparseMoeBlock> blocks = dualSparse.blocks();
        double[] klSums = new double[blocks.size()];
        long positions = 0;
        DropPolicy original = dualSparse.policy();
        try {
            for (long[] chunk : chunks) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    dualSparse.setPolicy(DropPolicy.NONE);
                    NDArray dense = logProbabilities(lm, step, chunk);
                    NDArray denseProbabilities = dense.exp();
                    for (int i = 0; i < blocks.size(); i++) {
                        dualSparse.setPolicy(onlyLayer(blocks.get(i).layer(), policy));
                        try (NDManager pass = step.newSubManager()) {
                            NDArray dropped = logProbabilities(lm, pass, chunk);
                            klSums[i] += dropped.sub(dense).mul(denseProbabilities).sum().neg().getFloat();
                        }
                    }
                }
                positions += chunk.length;
            }
        } finally {
            dualSparse.setPolicy(original);
            dualSparse.stats().reset();
        }
        SortedMap<Integer, Double> kl = new TreeMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            kl.put(blocks.get(i).layer(), klSums[i] / positions);
        }
        return kl;
    }

    private static NDArray logProbabilities(MoeLanguageModel lm, NDManager manager, long[] chunk) {
        return lm.forward(manager, new long[][] {chunk}, null, null, false).logSoftmax(-1);
    }

    private static DropPolicy onlyLayer(int layer, DropPolicy policy) {
        return (l, routing, scores, decisions) -> (l == layer ? policy : DropPolicy.NONE).decide(l, routing, scores, decisions);
    }
}
