package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.FeedForward;

/**
 * The sparse-MoE slot of a decoder layer: a router, the routed experts and optional shared
 * experts. Subclasses decide how the routed pairs are computed; the default is {@link
 * GroupedMoeBlock}, and the DualSparse method plugs another implementation in here through
 * {@link MoeBlocks#replaceAll}. Shared experts always run.
 */
public abstract class SparseMoeBlock extends AbstractBlock implements FeedForward {

    private final Router router;
    private final ExpertWeights experts;
    private final SharedExpert sharedExpert;

    protected SparseMoeBlock(Router router, ExpertWeights experts, SharedExpert sharedExpert) {
        this.router = addChildBlock("gate", router);
        this.experts = addChildBlock("experts", experts);
        this.sharedExpert = sharedExpert == null ? null : addChildBlock("shared_expert", sharedExpert);
    }

    public Router router() {
        return router;
    }

    public ExpertWeights experts() {
        return experts;
    }

    /** The shared experts, or null when the family has none. */
    public SharedExpert sharedExpert() {
        return sharedExpert;
    }

    /**
     * Computes {@code Σ_k w_k · expert_k(x)} for every token.
     *
     * @param tokens {@code [N, d]}
     * @return {@code [N, d]} in {@code tokens}' manager
     */
    protected abstract NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing);

    @Override
    public Output apply(ParameterStore ps, NDArray x, boolean routerLoss) {
        Shape shape = x.getShape();
        NDArray tokens = x.reshape(-1, shape.getLastDimension());
        Routing routing = router.route(ps, tokens);
        NDArray loss = routerLoss ? LoadBalancingLoss.of(routing, experts.numExperts()) : null;
        NDArray out = routedOutput(ps, tokens, routing);
        if (sharedExpert != null) {
            out = out.add(sharedExpert.apply(ps, tokens));
        }
        return new Output(out.reshape(shape), loss);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), false).hidden());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
