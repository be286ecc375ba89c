package org.dualsparse.dualsparse.runtime;

import ai.djl.ndarray.NDArray;
import org.dualsparse.moe.Routing;

/**
 * Sees what DualSparse blocks compute, for calibration: the routing of every batch and the
 * intermediate activations of every expert run whole. Activations are in the block's neuron
 * order, which is the checkpoint's when the block was built without reconstruction.
 */
public interface MoeObserver {

    /** The routing of one batch of one layer, with its normalised scores. */
    void routed(int layer, Routing routing, float[] scores);

    /**
     * The tokens expert {@code expert} ran whole on: pre-activation gate {@code x·W1ᵀ} and up
     * {@code x·W3ᵀ}, each {@code [n, I]}, valid only during the call.
     */
    void activations(int layer, int expert, NDArray gate, NDArray up);
}
