package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;

/**
 * A weight matrix {@code W [outputs, inputs]} of a block and the three products the forward pass
 * takes with it. Blocks multiply by their weights only through this interface; the {@link
 * MatrixBackend} that made the matrix decides how {@code W} is stored and how the products run.
 * Every product lives in its activations' manager, never in the weights'.
 */
public interface WeightMatrix {

    long outputs();

    long inputs();

    /** {@code x · Wᵀ} for {@code x [..., inputs]}: a linear layer without bias, {@code [..., outputs]}. */
    NDArray linear(NDArray x);

    /**
     * {@code x · Wᵀ + bias} for a {@code [outputs]} bias: the bias is added in the product where
     * the backend fuses the two, so the sum rounds as the kernel's does.
     */
    NDArray linear(NDArray x, NDArray bias);

    /**
     * {@code W · rowsᵀ} for tokens as rows {@code [n, inputs]}: the tokens come out as the
     * columns of {@code [outputs, n]}, the orientation the expert kernels chain in.
     */
    NDArray timesTransposed(NDArray rows);

    /** {@code W · columns} for {@code [inputs, n]} activations, row-major as elementwise ops leave them. */
    NDArray times(NDArray columns);

    /**
     * Frees what the backend made for this matrix (for libtorch, its view); the weight it was made
     * from stays its owner's. For weights that are replaced while the model stays loaded: a view
     * left open would keep the replaced weight's memory alive.
     */
    void release();
}
