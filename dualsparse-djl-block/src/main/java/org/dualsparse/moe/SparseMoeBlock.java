package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.decoder.ForwardState;

/**
 * The sparse-MoE slot of a decoder layer: a router, the routed experts and optional shared
 * experts. Subclasses decide how the routed pairs are computed; the default is {@link
 * GroupedMoeBlock}, and the DualSparse method plugs another implementation in here through
 * {@link MoeBlocks#replaceAll}. Shared experts always run.
 */
public abstract class SparseMoeBlock extends AbstractBlock {

    private final Router router;
    private final StackedExperts experts;
    private final SharedExpert sharedExpert;

    /**
     * @param experts the routed experts, in the layout the subclass computes with (and hands out)
     */
    protected SparseMoeBlock(Router router, StackedExperts experts, SharedExpert sharedExpert) {
        this.router = addChildBlock("gate", router);
        this.experts = addChildBlock("experts", experts);
        this.sharedExpert = sharedExpert == null ? null : addChildBlock("shared_expert", sharedExpert);
    }

    public Router router() {
        return router;
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
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape shape = x.getShape();
        NDArray tokens = x.reshape(-1, shape.getLastDimension());
        Routing routing = router.route(ps, tokens);
        ForwardState state = ForwardState.inside(params);
        if (state != null && state.collectsRouterLoss()) {
            state.addRouterLoss(LoadBalancingLoss.of(routing, experts.numExperts()));
        }
        NDArray out = routedOutput(ps, tokens, routing);
        if (sharedExpert != null) {
            out = out.add(sharedExpert.apply(ps, tokens));
        }
        return new NDList(out.reshape(shape));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
