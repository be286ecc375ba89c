package org.dualsparse.dualsparse.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Observation;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the calibration observer records on one MoE layer equals a plain-Java float64 computation
 * from the checkpoint's tensors: the routing, each metric summed over the tokens routed to each
 * expert, and the histograms of the normalised scores and of s2/s1.
 */
class ImportanceMetricTest {

    private static final int TOKENS = 50;
    /**
     * How far a float32 normalised score or s2/s1 ratio may lie from its float64 value: a softmax over
     * a few router logits, each a float32 dot product of length hidden_size (≤ 64 here), is good to
     * a few float32 ulps of 1 (1.2e-7); 1e-6 holds under every kernel family.
     */
    private static final double SCORE_ERROR = 1e-6;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mixtral, 0", "olmoe, 1", "qwen2Moe, 1"})
    void everyMetricMatchesAPlainJavaSumOverRoutedTokens(String name, int layer, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        Map<String, float[]> w = ReferenceWeights.random(config, 8);
        ReferenceCheckpoints.write(dir, config, w, DType.F32, false);
        int hidden = config.get("hidden_size").getAsInt();
        float[] x = new float[TOKENS * hidden];
        Random random = new Random(4);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Expected expected = new Expected(config, w, layer, x);
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            List<GroupedMoeBlock> blocks = MoeBlocks.of(lm.block()).stream().map(GroupedMoeBlock.class::cast).toList();
            GroupedMoeBlock block = blocks.stream().filter(b -> b.layer() == layer).findFirst().orElseThrow();
            for (ImportanceMetric metric : ImportanceMetric.values()) {
                CalibrationTally tally = CalibrationTally.empty(ModelIdentity.of(lm), metric, blocks);
                try (Observation watch = block.observe(new CalibrationObserver(tally));
                        NDManager step = lm.model().getNDManager().newSubManager()) {
                    block.forward(new ParameterStore(lm.model().getNDManager(), false),
                            new NDList(step.create(x, new Shape(1, TOKENS, hidden))), false, null);
                }
                LayerProfile measured = tally.profile().layers().stream().filter(l -> l.layer() == layer).findFirst().orElseThrow();
                double[][] reference = expected.importance(metric);
                double scale = 0;
                double diff = 0;
                for (int e = 0; e < reference.length; e++) {
                    for (int n = 0; n < reference[e].length; n++) {
                        scale = Math.max(scale, Math.abs(reference[e][n]));
                        diff = Math.max(diff, Math.abs(reference[e][n] - measured.importance()[e][n]));
                    }
                }
                System.out.printf("importance %-9s %-11s max|Δ| %.2e (scale %.2f)%n", name, metric.id(), diff, scale);
                // Measured ≤ 1.7e-7 of the scale under AVX-512, AVX2 and scalar kernels alike; 2e-6 leaves a factor 12.
                assertTrue(scale > 0 && diff <= 2e-6 * scale, name + " " + metric.id() + ": " + diff + " at scale " + scale);
                assertEquals(TOKENS, measured.tokens());
                assertHistogramOf(expected.scores, measured.scores().counts(), "score histogram");
                assertHistogramOf(expected.topTwo, measured.topTwoRatios().counts(), "s2/s1 histogram");
            }
        }
    }

    /**
     * {@code counts} bins {@code values} once each is moved by at most {@link #SCORE_ERROR}: a
     * float32 score a few ulps from its float64 value may fall in the next bin when it lies at a
     * bin edge. Bins are ordered and each value's possible bins are consecutive, so this holds
     * exactly when, at every edge, the count below it lies between the number of values certainly
     * below it and the number possibly below it. A value no closer than the error to an edge has a
     * single possible bin, so away from edges the comparison is exact.
     */
    private static void assertHistogramOf(List<Double> values, long[] counts, String what) {
        int bins = counts.length;
        long[] certainlyBelow = new long[bins + 1];
        long[] possiblyBelow = new long[bins + 1];
        for (double v : values) {
            certainlyBelow[ScoreHistogram.bin(v + SCORE_ERROR, bins) + 1]++;
            possiblyBelow[ScoreHistogram.bin(v - SCORE_ERROR, bins) + 1]++;
        }
        long measured = 0;
        for (int edge = 1; edge <= bins; edge++) {
            certainlyBelow[edge] += certainlyBelow[edge - 1];
            possiblyBelow[edge] += possiblyBelow[edge - 1];
            measured += counts[edge - 1];
            assertTrue(certainlyBelow[edge] <= measured && measured <= possiblyBelow[edge],
                    what + ": " + measured + " counts below bin edge " + edge + ", expected " + certainlyBelow[edge] + " to "
                            + possiblyBelow[edge]);
        }
        assertEquals(values.size(), measured, what + ": total count");
    }

    /** The layer's routing and activations in float64, straight from the HF tensors. */
    private static final class Expected {
        private final int experts;
        private final int neurons;
        private final double[][][] gate;
        private final double[][][] up;
        private final boolean[][] routed;
        final List<Double> scores = new ArrayList<>();
        final List<Double> topTwo = new ArrayList<>();

        Expected(JsonObject c, Map<String, float[]> w, int layer, float[] x) {
            boolean mixtral = c.get("model_type").getAsString().equals("mixtral");
            String prefix = "model.layers." + layer + (mixtral ? ".block_sparse_moe." : ".mlp.");
            String[] names = mixtral ? new String[] {"w1", "w3"} : new String[] {"gate_proj", "up_proj"};
            int hidden = c.get("hidden_size").getAsInt();
            experts = c.has("num_local_experts") ? c.get("num_local_experts").getAsInt() : c.get("num_experts").getAsInt();
            neurons = c.has("moe_intermediate_size") ? c.get("moe_intermediate_size").getAsInt() : c.get("intermediate_size").getAsInt();
            int topK = c.get("num_experts_per_tok").getAsInt();
            gate = new double[TOKENS][experts][];
            up = new double[TOKENS][experts][];
            routed = new boolean[TOKENS][experts];
            for (int t = 0; t < TOKENS; t++) {
                double[] logits = matVec(w.get(prefix + "gate.weight"), x, t * hidden, experts, hidden);
                double max = Double.NEGATIVE_INFINITY;
                for (double v : logits) {
                    max = Math.max(max, v);
                }
                double[] probabilities = new double[experts];
                for (int e = 0; e < experts; e++) {
                    probabilities[e] = Math.exp(logits[e] - max);
                }
                int[] top = new int[topK];
                double sum = 0;
                for (int k = 0; k < topK; k++) {
                    int best = -1;
                    for (int e = 0; e < experts; e++) {
                        if (!routed[t][e] && (best < 0 || probabilities[e] > probabilities[best])) {
                            best = e;
                        }
                    }
                    routed[t][best] = true;
                    top[k] = best;
                    sum += probabilities[best];
                }
                for (int k = 0; k < topK; k++) {
                    scores.add(probabilities[top[k]] / sum);
                }
                if (topK > 1) {
                    topTwo.add(probabilities[top[1]] / probabilities[top[0]]);
                }
                for (int e : top) {
                    gate[t][e] = matVec(w.get(prefix + "experts." + e + "." + names[0] + ".weight"), x, t * hidden, neurons, hidden);
                    up[t][e] = matVec(w.get(prefix + "experts." + e + "." + names[1] + ".weight"), x, t * hidden, neurons, hidden);
                }
            }
        }

        double[][] importance(ImportanceMetric metric) {
            double[][] importance = new double[experts][neurons];
            for (int t = 0; t < TOKENS; t++) {
                for (int e = 0; e < experts; e++) {
                    if (!routed[t][e]) {
                        continue;
                    }
                    for (int n = 0; n < neurons; n++) {
                        double g = gate[t][e][n];
                        double silu = g / (1 + Math.exp(-g));
                        double value = switch (metric) {
                            case GATE -> silu;
                            case ABS_GATE -> Math.abs(silu);
                            case GATE_UP -> silu * up[t][e][n];
                            case ABS_GATE_UP -> Math.abs(silu * up[t][e][n]);
                        };
                        importance[e][n] += value;
                    }
                }
            }
            return importance;
        }

        private static double[] matVec(float[] matrix, float[] x, int offset, int rows, int cols) {
            double[] out = new double[rows];
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int i = 0; i < cols; i++) {
                    sum += (double) matrix[r * cols + i] * x[offset + i];
                }
                out[r] = sum;
            }
            return out;
        }
    }
}
