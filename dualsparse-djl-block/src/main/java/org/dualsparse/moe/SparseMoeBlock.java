package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.dualsparse.nn.FeedForward;

/**
 * The sparse-MoE slot of a decoder layer: a router, the routed experts and optional shared
 * experts. Subclasses decide how the routed pairs are computed; the default is {@link
 * GroupedMoeBlock}, and the DualSparse method plugs another implementation in here through
 * {@link MoeBlocks#replaceAll}. Shared experts always run.
 */
public abstract class SparseMoeBlock extends AbstractBlock implements FeedForward {

    private final int layer;
    private final Router router;
    private final StackedExperts experts;
    private final SharedExpert sharedExpert;
    private final Map<Thread, RoutingObserver> observers = new ConcurrentHashMap<>();

    /**
     * The block of decoder layer {@code layer}, the index it reports its routing under.
     *
     * @param experts the routed experts, in the layout the subclass computes with (and hands out)
     */
    protected SparseMoeBlock(int layer, Router router, StackedExperts experts, SharedExpert sharedExpert) {
        this.layer = layer;
        this.router = addChildBlock("gate", router);
        this.experts = addChildBlock("experts", experts);
        this.sharedExpert = sharedExpert == null ? null : addChildBlock("shared_expert", sharedExpert);
    }

    /** The index of the decoder layer this block belongs to. */
    public int layer() {
        return layer;
    }

    public Router router() {
        return router;
    }

    /** The number of routed experts. */
    public int numExperts() {
        return experts.numExperts();
    }

    /** The shared experts, or null when the family has none. */
    public SharedExpert sharedExpert() {
        return sharedExpert;
    }

    /**
     * Reports this block's routing, and the activations of every expert run whole, to {@code
     * observer} until the returned observation is closed: the forward passes run by the calling
     * thread only, so threads sharing one model (the task threads of a Spark executor) each observe
     * their own passes.
     *
     * @throws IllegalStateException when the calling thread already has an observer attached
     */
    public Observation observe(RoutingObserver observer) {
        Objects.requireNonNull(observer, "observer");
        Thread thread = Thread.currentThread();
        if (observers.putIfAbsent(thread, observer) != null) {
            throw new IllegalStateException("MoE layer " + layer + " is already observed by thread " + thread.getName());
        }
        return new Observation(() -> observers.remove(thread, observer));
    }

    /**
     * The observer the calling thread attached, or null: subclasses report the activations of the
     * experts they run whole to it.
     */
    protected RoutingObserver observer() {
        return observers.isEmpty() ? null : observers.get(Thread.currentThread());
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
        RoutingObserver watching = observer();
        if (watching != null) {
            watching.routed(layer, routing);
        }
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
