package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.model.Layers;
import org.dualsparse.model.WeightSource;

/**
 * The softmax top-K router: {@code softmax(x·Wgᵀ)} over all experts, the K largest kept, and
 * renormalised over those K when {@code normTopKProb} is set.
 */
public final class Router extends AbstractBlock {

    /** The routing rule of one MoE layer. */
    public record Spec(int numExperts, int topK, boolean normTopKProb) {}

    private final Spec spec;
    private final Parameter gate;

    /** Loads the {@code [E, d]} router weight {@code name}. */
    public Router(Spec spec, WeightSource w, String name, int hiddenSize) {
        this.spec = spec;
        gate = addParameter(Layers.parameter("weight", w.load(name, spec.numExperts(), hiddenSize)));
    }

    public Spec spec() {
        return spec;
    }

    /** Routes the rows of {@code tokens} {@code [N, d]}. */
    public Routing route(ParameterStore ps, NDArray tokens) {
        NDArray probs = Linear.linear(tokens, ps.getValue(gate, tokens.getDevice(), false)).head().softmax(-1);
        NDList top = probs.topK(spec.topK(), -1, true, true);
        NDArray weights = top.get(0);
        if (spec.normTopKProb()) {
            weights = weights.div(weights.sum(new int[] {-1}, true));
        }
        return new Routing(
                weights,
                top.get(1).toLongArray(),
                weights.toFloatArray(),
                Math.toIntExact(tokens.getShape().get(0)),
                spec.topK());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(route(ps, inputs.singletonOrThrow()).weights());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), spec.topK())};
    }
}
