package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;

/**
 * Makes the {@link WeightMatrix} of a loaded float32 weight: the one seam between the blocks and
 * the kernels that multiply by their weights. {@link TorchMatrices} (libtorch, float32, the
 * arrays as loaded) is the default; a backend with other kernels or weight formats implements
 * this interface and no block changes.
 */
public interface MatrixBackend {

    /** The matrix of {@code weight [outputs, inputs]}, an array the model's manager owns. */
    WeightMatrix matrix(NDArray weight);

    /** Matrix {@code index} of a stack {@code [count, outputs, inputs]} (one expert's projection). */
    WeightMatrix matrix(NDArray stack, int index);
}
