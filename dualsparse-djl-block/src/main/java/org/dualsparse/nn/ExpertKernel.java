package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;

/**
 * One SwiGLU expert made at load by a {@link MatrixBackend}, run on the rows routed to it: the
 * first rows through every neuron ("whole"), the others through its major neurons only ({@link
 * SwiGluLayout}). How many native calls that takes is the backend's: a fused backend runs both
 * kinds of rows in one call.
 */
public interface ExpertKernel {

    /**
     * The expert on {@code rows [n, d]}: the first {@code whole} rows through every neuron, the
     * rest through the major ones; {@code [n, d]} in {@code rows}' manager.
     *
     * @param tap shown the gate and up pre-activations {@code [n, I]} of the rows, in neuron order,
     *     when every row is whole; null for none
     */
    NDArray apply(NDArray rows, int whole, SwiGluMlp.GateUpTap tap);

    /**
     * Whether {@code whole} whole and {@code majorOnly} major-only rows run as one pass through
     * every neuron with the minor activations of the major-only rows zeroed: their minor work is
     * then done, not skipped, and the drop statistics count it as done.
     */
    boolean masksMixed(int whole, int majorOnly);

    /** Frees what the backend made for this expert; a second call does nothing. */
    void release();
}
