package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseMoeBlock;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.nn.MatrixExpertKernel;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A dropping DualSparse block equals a plain-Java float64 computation that runs each kept
 * (sub-)expert explicitly: routing, normalised scores, the 2T decision, the weight-metric neuron
 * order and the major half are all recomputed here from the checkpoint's tensors.
 */
class DroppedOutputTest {

    private static final double T = 0.3;
    private static final double DELTA = 0.08;
    /** How far a float32 score (softmax of router logits) or relative neuron importance may lie from its float64 value. */
    private static final double DECISION_ERROR = 1e-6;

    /**
     * 40 tokens give each expert a few rows (one masked pass); 1,000 give mixed experts over {@link
     * MatrixExpertKernel#MIXED_SPLIT_ROWS} (split passes). The split is halves of two, or a quarter
     * or three quarters of four sub-experts major.
     */
    @ParameterizedTest
    @CsvSource({"mixtral, 40, 2, 1", "olmoeNormTopkClip, 40, 2, 1", "qwen2Moe, 40, 2, 1", "qwen3Moe, 40, 2, 1",
        "mixtral, 1000, 2, 1", "qwen3Moe, 1000, 2, 1", "mixtral, 40, 4, 1", "qwen3Moe, 1000, 4, 3"})
    void twoThresholdDroppingMatchesExplicitSubExperts(String name, int tokens, int parts, int majorParts, @TempDir Path dir)
            throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        Map<String, float[]> w = ReferenceWeights.random(config, 21);
        ReferenceCheckpoints.write(dir, config, w, DType.F32, false);
        int layer = name.startsWith("qwen2") ? 1 : 0;
        int hidden = config.get("hidden_size").getAsInt();
        int experts = config.has("num_local_experts") ? config.get("num_local_experts").getAsInt() : config.get("num_experts").getAsInt();
        float[] x = new float[tokens * hidden];
        Random random = new Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }

        float[] actual;
        DualSparseRuntime ds;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            int topK = config.get("num_experts_per_tok").getAsInt();
            ds = DualSparseRuntime.apply(lm.block(), new Partition(parts, majorParts), Reconstruction.WEIGHT, null,
                    ThresholdDropPolicy.global(T, DELTA, topK, false));
            DualSparseMoeBlock block = ds.blocks().stream().filter(b -> b.layer() == layer).findFirst().orElseThrow();
            try (NDManager step = lm.model().getNDManager().newSubManager()) {
                NDList out = block.forward(new ParameterStore(lm.model().getNDManager(), false),
                        new NDList(step.create(x, new Shape(1, tokens, hidden))), false, null);
                actual = out.head().toFloatArray();
            }
        }
        ExplicitMoe reference = new ExplicitMoe(config, w, layer, new Partition(parts, majorParts));
        double[] expected = reference.forward(x, tokens);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        DropStats.Layer stats = ds.stats().layers().stream().filter(l -> l.layer() == layer).findFirst().orElseThrow();
        System.out.printf("dropped %-18s full %d major %d dropped %d, max|Δ| %.2e (scale %.2f), margins %.1e %.1e%n",
                name, stats.full(), stats.major(), stats.dropped(), diff, scale, reference.decisionMargin, reference.halfMargin);
        assertTrue(reference.full > 0 && reference.major > 0 && reference.dropped > 0,
                "every branch is exercised: " + Arrays.toString(new int[] {reference.full, reference.major, reference.dropped}));
        // The block decides on float32 scores and importances: the float64 ones must be far enough from
        // every decision edge that a few float32 ulps cannot move a pair or neuron across it.
        assertTrue(reference.decisionMargin > DECISION_ERROR && reference.halfMargin > DECISION_ERROR,
                "inputs too close to a decision edge to compare decisions: score margin " + reference.decisionMargin
                        + ", relative importance margin " + reference.halfMargin);
        assertTrue(stats.full() == reference.full && stats.major() == reference.major && stats.dropped() == reference.dropped,
                "DropStats counts equal the brute-force counts");
        int pairsPerExpert = tokens * config.get("num_experts_per_tok").getAsInt() / experts;
        assertTrue(tokens < 100 ? pairsPerExpert < MatrixExpertKernel.MIXED_SPLIT_ROWS : pairsPerExpert > 2 * MatrixExpertKernel.MIXED_SPLIT_ROWS,
                "the token count picks the expert kernel it is meant to test: " + pairsPerExpert + " pairs per expert");
        // Measured ≤ 4.1e-7 of the scale under AVX-512, AVX2 and scalar kernels alike; 4e-6 leaves a factor 10.
        assertTrue(diff <= 4e-6 * scale, name + ": max |Δ| " + diff + " at scale " + scale);
    }

    /** The MoE layer from the HF tensors, with 2T dropping over explicit neuron subsets. */
    private static final class ExplicitMoe {
        private final Map<String, float[]> w;
        private final String prefix;
        private final String[] names;
        private final int hidden;
        private final int experts;
        private final int topK;
        private final int neurons;
        private final int majorNeurons;
        private final boolean renormalise;
        private final int sharedNeurons;
        int full;
        int major;
        int dropped;
        /** The smallest distance of a float64 score from T ± δ, or of a routed probability from the first unrouted one. */
        double decisionMargin = Double.POSITIVE_INFINITY;
        /** The smallest relative gap between the last major and the first minor neuron's importance. */
        double halfMargin = Double.POSITIVE_INFINITY;

        ExplicitMoe(JsonObject c, Map<String, float[]> w, int layer, Partition partition) {
            this.w = w;
            boolean mixtral = c.get("model_type").getAsString().equals("mixtral");
            prefix = "model.layers." + layer + (mixtral ? ".block_sparse_moe." : ".mlp.");
            names = mixtral ? new String[] {"w1", "w3", "w2"} : new String[] {"gate_proj", "up_proj", "down_proj"};
            hidden = c.get("hidden_size").getAsInt();
            experts = c.has("num_local_experts") ? c.get("num_local_experts").getAsInt() : c.get("num_experts").getAsInt();
            topK = c.get("num_experts_per_tok").getAsInt();
            neurons = c.has("moe_intermediate_size") ? c.get("moe_intermediate_size").getAsInt() : c.get("intermediate_size").getAsInt();
            majorNeurons = partition.majorNeurons(neurons);
            renormalise = mixtral || (c.has("norm_topk_prob") && c.get("norm_topk_prob").getAsBoolean());
            sharedNeurons = c.has("shared_expert_intermediate_size") ? c.get("shared_expert_intermediate_size").getAsInt() : 0;
        }

        double[] forward(float[] x, int tokens) {
            double[] y = new double[tokens * hidden];
            for (int n = 0; n < tokens; n++) {
                double[] xn = new double[hidden];
                for (int i = 0; i < hidden; i++) {
                    xn[i] = x[n * hidden + i];
                }
                double[] yn = routed(xn);
                if (sharedNeurons > 0) {
                    double gate = 1 / (1 + Math.exp(-dot(w.get(prefix + "shared_expert_gate.weight"), 0, xn)));
                    double[] shared = swiGlu(prefix + "shared_expert.", new String[] {"gate_proj", "up_proj", "down_proj"},
                            sharedNeurons, allNeurons(sharedNeurons), xn);
                    for (int i = 0; i < hidden; i++) {
                        yn[i] += gate * shared[i];
                    }
                }
                System.arraycopy(yn, 0, y, n * hidden, hidden);
            }
            return y;
        }

        private double[] routed(double[] x) {
            double[] probs = new double[experts];
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                probs[e] = dot(w.get(prefix + "gate.weight"), e * hidden, x);
                max = Math.max(max, probs[e]);
            }
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                probs[e] = Math.exp(probs[e] - max);
                sum += probs[e];
            }
            Integer[] order = new Integer[experts];
            for (int e = 0; e < experts; e++) {
                probs[e] /= sum;
                order[e] = e;
            }
            Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
            decisionMargin = Math.min(decisionMargin, probs[order[topK - 1]] - probs[order[topK]]);
            double topSum = 0;
            for (int k = 0; k < topK; k++) {
                topSum += probs[order[k]];
            }
            double[] y = new double[hidden];
            for (int k = 0; k < topK; k++) {
                int e = order[k];
                double gate = renormalise ? probs[e] / topSum : probs[e];
                double score = probs[e] / topSum;
                decisionMargin = Math.min(decisionMargin, Math.min(Math.abs(score - (T - DELTA)), Math.abs(score - (T + DELTA))));
                int[] subset;
                if (score < T - DELTA) {
                    dropped++;
                    continue;
                } else if (score < T + DELTA) {
                    major++;
                    subset = Arrays.copyOf(importanceOrder(e), majorNeurons);
                } else {
                    full++;
                    subset = allNeurons(neurons);
                }
                double[] out = swiGlu(prefix + "experts." + e + ".", names, neurons, subset, x);
                for (int i = 0; i < hidden; i++) {
                    y[i] += gate * out[i];
                }
            }
            return y;
        }

        /** Neurons by descending ‖W1ⁿ‖·‖W3ⁿ‖·‖W2[:, n]‖. */
        private int[] importanceOrder(int e) {
            String p = prefix + "experts." + e + ".";
            float[] w1 = w.get(p + names[0] + ".weight");
            float[] w3 = w.get(p + names[1] + ".weight");
            float[] w2 = w.get(p + names[2] + ".weight");
            double[] importance = new double[neurons];
            Integer[] order = new Integer[neurons];
            for (int n = 0; n < neurons; n++) {
                double g = 0;
                double u = 0;
                double d = 0;
                for (int i = 0; i < hidden; i++) {
                    g += w1[n * hidden + i] * w1[n * hidden + i];
                    u += w3[n * hidden + i] * w3[n * hidden + i];
                    d += w2[i * neurons + n] * w2[i * neurons + n];
                }
                importance[n] = Math.sqrt(g) * Math.sqrt(u) * Math.sqrt(d);
                order[n] = n;
            }
            Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
            double last = importance[order[majorNeurons - 1]];
            halfMargin = Math.min(halfMargin, (last - importance[order[majorNeurons]]) / last);
            return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        }

        private double[] swiGlu(String p, String[] projections, int width, int[] subset, double[] x) {
            float[] w1 = w.get(p + projections[0] + ".weight");
            float[] w3 = w.get(p + projections[1] + ".weight");
            float[] w2 = w.get(p + projections[2] + ".weight");
            double[] y = new double[hidden];
            for (int n : subset) {
                double g = dot(w1, n * hidden, x);
                double act = g / (1 + Math.exp(-g)) * dot(w3, n * hidden, x);
                for (int i = 0; i < hidden; i++) {
                    y[i] += w2[i * width + n] * act;
                }
            }
            return y;
        }

        private double dot(float[] matrix, int offset, double[] x) {
            double s = 0;
            for (int i = 0; i < hidden; i++) {
                s += matrix[offset + i] * x[i];
            }
            return s;
        }

        private static int[] allNeurons(int n) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
    }
}
