package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.Layers;
import org.dualsparse.nn.MatrixBackend;

/**
 * The routed experts of one MoE layer as two stacked arrays, gate/up {@code [E, 2I, d]} and down
 * {@code [E, d, I]}, without saying in which order the {@code 2I} rows and {@code I} columns hold
 * the neurons: that is the layout, and only a subclass that knows it makes the matrices to compute
 * with ({@link ExpertWeights}, gate rows first, or the method's partitioned layout), through the
 * {@link MatrixBackend} given here, once at load, so running an expert never allocates in the
 * model's manager. A backend that reads the arrays in place keeps them as parameters; for one
 * that packs them, the subclass calls {@link #matricesMade()} and the arrays are freed.
 */
public abstract class StackedExperts extends AbstractBlock {

    private final MatrixBackend backend;
    private final int numExperts;
    private final int intermediateSize;
    private final int hiddenSize;
    private NDArray gateUp;
    private NDArray down;

    /**
     * @param gateUp {@code [E, 2I, d]}
     * @param down {@code [E, d, I]}
     */
    protected StackedExperts(NDArray gateUp, NDArray down, MatrixBackend backend) {
        Shape s = gateUp.getShape();
        numExperts = Math.toIntExact(s.get(0));
        intermediateSize = Math.toIntExact(s.get(1) / 2);
        hiddenSize = Math.toIntExact(s.get(2));
        this.backend = backend;
        this.gateUp = gateUp;
        this.down = down;
        if (backend.keepsArrays()) {
            addParameter(Layers.parameter("gate_up_proj", gateUp));
            addParameter(Layers.parameter("down_proj", down));
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

    /** The backend the matrices are made by. */
    public MatrixBackend backend() {
        return backend;
    }

    /** Called by a subclass once it made its matrices: frees the arrays a packing backend no longer needs. */
    protected final void matricesMade() {
        if (!backend.keepsArrays()) {
            gateUp.close();
            down.close();
            gateUp = null;
            down = null;
        }
    }

    /** The stacked gate/up array while the model holds it (libtorch), else null. */
    protected final NDArray gateUpArray() {
        return gateUp;
    }

    /** The stacked down array while the model holds it (libtorch), else null. */
    protected final NDArray downArray() {
        return down;
    }

    /** Frees the per-expert matrices (after a partitioned copy replaced them) and the stacked weights. */
    @Override
    public void clear() {
        releaseMatrices();
        super.clear();
    }

    /** Releases what the backend made for each matrix. */
    protected abstract void releaseMatrices();

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
