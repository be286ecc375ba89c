package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * The feed-forward slot of a decoder layer: a dense MLP, or a sparse-MoE block whose router can
 * also report its load-balancing loss. The decoder runs the slot through {@link #apply} only.
 */
public interface FeedForward extends Block {

    /**
     * What the slot computed for one step.
     *
     * @param hidden the output, shaped like the input
     * @param routerLoss the layer's load-balancing loss, a scalar; null for a dense slot or when not asked
     */
    record Output(NDArray hidden, NDArray routerLoss) {

        /** An output without router loss. */
        public static Output of(NDArray hidden) {
            return new Output(hidden, null);
        }
    }

    /**
     * Runs the slot on {@code x} {@code [..., d]}; the result lives in {@code x}'s manager.
     *
     * @param routerLoss whether a sparse slot should also return its load-balancing loss
     */
    Output apply(ParameterStore ps, NDArray x, boolean routerLoss);
}
