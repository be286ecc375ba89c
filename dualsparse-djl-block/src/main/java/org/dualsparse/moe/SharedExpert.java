package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.MatrixBlock;
import org.dualsparse.nn.SwiGluMlp;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightMatrix;

/**
 * Experts every token uses, outside the router: a SwiGLU MLP, optionally scaled per token by
 * {@code sigmoid(x·g)} (Qwen2-MoE's {@code shared_expert_gate}). Never dropped.
 */
public final class SharedExpert extends MatrixBlock {

    private final SwiGluMlp mlp;
    private final WeightMatrix gate;

    /** @param gate the {@code [1, d]} gate weight, or null for ungated shared experts */
    public SharedExpert(SwiGluMlp mlp, NDArray gate) {
        this.mlp = addChildBlock("mlp", mlp);
        this.gate = gate == null ? null : matrix(TorchMatrices.BACKEND, "gate", gate);
    }

    /** Neurons every token computes in the shared experts. */
    public int intermediateSize() {
        return mlp.intermediateSize();
    }

    public NDArray apply(ParameterStore ps, NDArray tokens) {
        NDArray out = mlp.apply(tokens);
        if (gate == null) {
            return out;
        }
        NDArray g = gate.linear(tokens);
        return out.mul(Activation.sigmoid(g));
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
