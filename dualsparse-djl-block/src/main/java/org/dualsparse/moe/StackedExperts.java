package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.Layers;

/**
 * The routed experts of one MoE layer as two stacked parameters, gate/up {@code [E, 2I, d]} and
 * down {@code [E, d, I]}, without saying in which order the {@code 2I} rows and {@code I} columns
 * hold the neurons: that is the layout, and only a subclass that knows it hands out matrices to
 * compute with ({@link ExpertWeights}, gate rows first, or the method's partitioned layout).
 * Per-expert views are made once at load, so running an expert never allocates in the model's
 * manager.
 */
public abstract class StackedExperts extends AbstractBlock {

    private final Parameter gateUp;
    private final Parameter down;
    private final NDArray[] gateUpViews;
    private final NDArray[] downViews;
    private final int numExperts;
    private final int intermediateSize;
    private final int hiddenSize;

    /**
     * @param gateUp {@code [E, 2I, d]}
     * @param down {@code [E, d, I]}
     */
    protected StackedExperts(NDArray gateUp, NDArray down) {
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

    /** Neurons per expert, {@code I}. */
    public int intermediateSize() {
        return intermediateSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Expert {@code e}'s {@code [2I, d]} gate/up matrix (a view), rows in the subclass's order. */
    protected NDArray gateUpView(int e) {
        return gateUpViews[e];
    }

    /** Expert {@code e}'s {@code [d, I]} down matrix (a view), columns in the subclass's order. */
    protected NDArray downView(int e) {
        return downViews[e];
    }

    /** The stacked {@code [E, 2I, d]} array. */
    protected NDArray stackedGateUp() {
        return gateUp.getArray();
    }

    /** The stacked {@code [E, d, I]} array. */
    protected NDArray stackedDown() {
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
