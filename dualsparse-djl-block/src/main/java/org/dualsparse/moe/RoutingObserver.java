package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;

/**
 * Sees what a sparse-MoE block computes, for calibration and routing traces: the routing of
 * every batch and the pre-activation gate and up projections of every expert run whole. Attach
 * one with {@link SparseMoeBlock#observe} or {@link MoeBlocks#observe}; it sees the forward
 * passes of the thread that attached it, and is called from that thread.
 */
public interface RoutingObserver {

    /** The routing of one batch of MoE layer {@code layer}. */
    void routed(int layer, Routing routing);

    /**
     * The tokens expert {@code expert} ran whole on: pre-activation gate {@code x·W1ᵀ} and up
     * {@code x·W3ᵀ}, each {@code [n, I]} in the block's neuron order, valid only during the call.
     */
    default void activations(int layer, int expert, NDArray gate, NDArray up) {}

    /** An observer that tells {@code first}, then {@code second}, everything it sees. */
    static RoutingObserver both(RoutingObserver first, RoutingObserver second) {
        return new RoutingObserver() {
            @Override
            public void routed(int layer, Routing routing) {
                first.routed(layer, routing);
                second.routed(layer, routing);
            }

            @Override
            public void activations(int layer, int expert, NDArray gate, NDArray up) {
                first.activations(layer, expert, gate, up);
                second.activations(layer, expert, gate, up);
            }
        };
    }
}
