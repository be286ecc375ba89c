package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.nn.Layers;
import org.dualsparse.nn.WeightSource;

/**
 * The routed experts of one MoE layer, stacked: gate and up fused as {@code [E, 2I, d]} (gate
 * rows first), down as {@code [E, d, I]}. Per-expert views are made once at load, so running an
 * expert never allocates in the model's manager.
 */
public final class ExpertWeights extends AbstractBlock {

    /** The HF tensor names of one expert's three projections, e.g. Mixtral's w1 / w3 / w2. */
    public record Names(String gate, String up, String down) {
        public static final Names MIXTRAL = new Names("w1", "w3", "w2");
        public static final Names HF = new Names("gate_proj", "up_proj", "down_proj");
    }

    private final Parameter gateUp;
    private final Parameter down;
    private final NDArray[] gateUpViews;
    private final NDArray[] downViews;
    private final int numExperts;
    private final int intermediateSize;
    private final int hiddenSize;

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
     * @param gateUp {@code [E, 2I, d]}
     * @param down {@code [E, d, I]}
     */
    public ExpertWeights(NDArray gateUp, NDArray down) {
        Shape s = gateUp.getShape();
        numExperts = Math.toIntExact(s.get(0));
        intermediateSize = Math.toIntExact(s.get(1) / 2);
        hiddenSize = Math.toIntExact(s.get(2));
        this.gateUp = addParameter(Layers.parameter("gate_up_proj", gateUp));
        this.down = addParameter(Layers.parameter("down_proj", down));
        gateUpViews = new NDArray[numExperts];
        downViews = new NDArray[numExperts];
        for (int e = 0; e < numExperts; e++) {
            gateUpViews[e] = gateUp.get(e);
            downViews[e] = down.get(e);
        }
    }

    public int numExperts() {
        return numExperts;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Expert {@code e}'s fused {@code [2I, d]} gate/up matrix (a view). */
    public NDArray gateUp(int e) {
        return gateUpViews[e];
    }

    /** Expert {@code e}'s {@code [d, I]} down matrix (a view). */
    public NDArray down(int e) {
        return downViews[e];
    }

    /**
     * Expert {@code e}'s gate/up matrix for one forward step: the cached view, or, while the
     * weights are being trained, a view taken in {@code step} (views made at load time do not
     * carry gradients back to the stacked array).
     */
    public NDArray gateUp(int e, NDManager step) {
        NDArray stacked = gateUp.getArray();
        return stacked.hasGradient() ? stacked.get(step, new NDIndex(e)) : gateUpViews[e];
    }

    /** Expert {@code e}'s down matrix for one forward step; see {@link #gateUp(int, NDManager)}. */
    public NDArray down(int e, NDManager step) {
        NDArray stacked = down.getArray();
        return stacked.hasGradient() ? stacked.get(step, new NDIndex(e)) : downViews[e];
    }

    /** The stacked {@code [E, 2I, d]} array. */
    public NDArray stackedGateUp() {
        return gateUp.getArray();
    }

    /** The stacked {@code [E, d, I]} array. */
    public NDArray stackedDown() {
        return down.getArray();
    }

    /** Frees the stacked weights and their per-expert views (after a partitioned copy replaced them). */
    @Override
    public void clear() {
        for (int e = 0; e < numExperts; e++) {
            gateUpViews[e].close();
            downViews[e].close();
        }
        super.clear();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("experts run through their SparseMoeBlock");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
