package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
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

    /** Expert {@code e}'s fused {@code [2I, d]} gate/up matrix (a view). */
    public NDArray gateUp(int e) {
        return gateUpView(e);
    }

    /** Expert {@code e}'s {@code [d, I]} down matrix (a view). */
    public NDArray down(int e) {
        return downView(e);
    }

    /**
     * Expert {@code e}'s gate/up matrix for one forward step: the cached view, or, while the
     * weights are being trained, a view taken in {@code step} (views made at load time do not
     * carry gradients back to the stacked array).
     */
    public NDArray gateUp(int e, NDManager step) {
        NDArray stacked = stackedGateUp();
        return stacked.hasGradient() ? stacked.get(step, new NDIndex(e)) : gateUpView(e);
    }

    /** Expert {@code e}'s down matrix for one forward step; see {@link #gateUp(int, NDManager)}. */
    public NDArray down(int e, NDManager step) {
        NDArray stacked = stackedDown();
        return stacked.hasGradient() ? stacked.get(step, new NDIndex(e)) : downView(e);
    }

    /** The stacked {@code [E, 2I, d]} array. */
    @Override
    public NDArray stackedGateUp() {
        return super.stackedGateUp();
    }

    /** The stacked {@code [E, d, I]} array. */
    @Override
    public NDArray stackedDown() {
        return super.stackedDown();
    }
}
