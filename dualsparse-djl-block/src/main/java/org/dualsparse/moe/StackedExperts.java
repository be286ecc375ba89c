package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.Layers;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightMatrix;

/**
 * The routed experts of one MoE layer as two stacked parameters, gate/up {@code [E, 2I, d]} and
 * down {@code [E, d, I]}, without saying in which order the {@code 2I} rows and {@code I} columns
 * hold the neurons: that is the layout, and only a subclass that knows it hands out matrices to
 * compute with ({@link ExpertWeights}, gate rows first, or the method's partitioned layout).
 * Each expert's matrices are made once at load ({@link TorchMatrices}), so running an expert never
 * allocates in the model's manager.
 */
public abstract class StackedExperts extends AbstractBlock {

    private final Parameter gateUp;
    private final Parameter down;
    private final WeightMatrix[] gateUps;
    private final WeightMatrix[] downs;
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
        gateUps = new WeightMatrix[numExperts];
        downs = new WeightMatrix[numExperts];
        for (int e = 0; e < numExperts; e++) {
            gateUps[e] = TorchMatrices.BACKEND.matrix(gateUp, e);
            downs[e] = TorchMatrices.BACKEND.matrix(down, e);
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

    /** Expert {@code e}'s {@code [2I, d]} gate/up matrix, rows in the subclass's order. */
    protected WeightMatrix gateUpMatrix(int e) {
        return gateUps[e];
    }

    /** Expert {@code e}'s {@code [d, I]} down matrix, columns in the subclass's order. */
    protected WeightMatrix downMatrix(int e) {
        return downs[e];
    }

    NDArray gateUpArray() {
        return gateUp.getArray();
    }

    NDArray downArray() {
        return down.getArray();
    }

    /** Frees the stacked weights and their per-expert matrices (after a partitioned copy replaced them). */
    @Override
    public void clear() {
        for (int e = 0; e < numExperts; e++) {
            gateUps[e].release();
            downs[e].release();
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
