package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Root-mean-square layer norm over the last axis: {@code w ⊙ x / sqrt(mean(x²) + eps)}. */
public final class RmsNorm extends AbstractBlock {

    private final Parameter weight;
    private final float eps;

    public RmsNorm(NDArray weight, double eps) {
        this.weight = addParameter(Layers.parameter("weight", weight));
        this.eps = (float) eps;
    }

    /** Normalises {@code x}; the result lives in {@code x}'s manager. */
    public NDArray apply(ParameterStore ps, NDArray x) {
        NDArray w = ps.getValue(weight, x.getDevice(), false);
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
        // HF multiplies by rsqrt; dividing differs by rounding only and avoids DJL's pow(Number),
        // which is unsafe under autograd (see Scalars).
        return x.div(rms).mul(w);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
