package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.nn.WeightSource;

/**
 * The routed experts of one MoE layer in the checkpoint's dense layout: gate and up fused as
 * {@code [E, 2I, d]}, expert by expert the {@code I} gate rows first and then the {@code I} up
 * rows, down as {@code [E, d, I]}. The layout {@link org.dualsparse.nn.SwiGluMlp#apply} computes.
 */
public final class ExpertWeights extends StackedExperts {

    /** The HF tensor names of one expert's three projections, e.g. Mixtral's w1 / w3 / w2. */
    public record Names(String gate, String up, String down) {
        public static final Names MIXTRAL = new Names("w1", "w3", "w2");
        public static final Names HF = new Names("gate_proj", "up_proj", "down_proj");
    }

    /** Loads {@code <prefix><e>.<name>.weight} for every expert and stacks them. */
    public static ExpertWeights load(WeightSource w, String prefix, Names names, int numExperts, int hiddenSize, int intermediateSize) {
        List<String> gateUps = new ArrayList<>();
        List<String> downs = new ArrayList<>();
        for (int e = 0; e < numExperts; e++) {
            gateUps.add(tensorName(prefix, e, names.gate()));
            gateUps.add(tensorName(prefix, e, names.up()));
            downs.add(tensorName(prefix, e, names.down()));
        }
        return new ExpertWeights(
                w.loadConcatenated(gateUps, new long[] {intermediateSize, hiddenSize}, numExperts, 2L * intermediateSize, hiddenSize),
                w.loadConcatenated(downs, new long[] {hiddenSize, intermediateSize}, numExperts, hiddenSize, intermediateSize));
    }

    /** The checkpoint name of projection {@code projection} of expert {@code expert}: {@code <prefix><expert>.<projection>.weight}. */
    public static String tensorName(String prefix, int expert, String projection) {
        return prefix + expert + "." + projection + ".weight";
    }

    /**
     * Wraps already stacked weights.
     *
     * @param gateUp {@code [E, 2I, d]}, gate rows first
     * @param down {@code [E, d, I]}
     */
    public ExpertWeights(NDArray gateUp, NDArray down) {
        super(gateUp, down);
    }

    /** Expert {@code e}'s fused {@code [2I, d]} gate/up matrix. */
    public WeightMatrix gateUp(int e) {
        return gateUpMatrix(e);
    }

    /** Expert {@code e}'s {@code [d, I]} down matrix. */
    public WeightMatrix down(int e) {
        return downMatrix(e);
    }

    /** The stacked {@code [E, 2I, d]} array, gate rows first. */
    public NDArray stackedGateUp() {
        return gateUpArray();
    }

    /** The stacked {@code [E, d, I]} array. */
    public NDArray stackedDown() {
        return downArray();
    }
}
