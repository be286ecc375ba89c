package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;

/**
 * Makes the {@link WeightMatrix} of a loaded float32 weight: the one seam between the blocks and
 * the kernels that multiply by their weights. {@link TorchMatrices} (libtorch, float32, the
 * arrays as loaded) is the default; a backend with other kernels or weight formats implements
 * this interface and no block changes. A {@link WeightSource} says which backend its model's
 * matrices use.
 */
public interface MatrixBackend {

    /**
     * Whether the matrices read the arrays they were made from, which must then stay alive as
     * the model's parameters. A backend that copies or packs the weights returns false, and the
     * blocks free the float32 arrays once their matrices are made.
     */
    boolean keepsArrays();

    /**
     * Whether the matrices made next read the values of the arrays given: false while a backend
     * reads its matrices back from a cache, when a weight source may hand it arrays of the right
     * shape that it never filled, and skip reading the checkpoint.
     */
    default boolean readsValues() {
        return true;
    }

    /**
     * Rows {@code [rowFrom, rowTo)} and columns {@code [columnFrom, columnTo)} of {@code stack}'s
     * matrix {@code index} (of {@code [count, outputs, inputs]}), or of {@code stack} itself, a
     * {@code [outputs, inputs]} array, when {@code index} is -1.
     */
    WeightMatrix matrix(NDArray stack, int index, long rowFrom, long rowTo, long columnFrom, long columnTo);

    /** The matrix of {@code weight [outputs, inputs]}, an array the model's manager owns. */
    default WeightMatrix matrix(NDArray weight) {
        return matrix(weight, -1, 0, weight.getShape().get(0), 0, weight.getShape().get(1));
    }

    /**
     * Expert {@code index} of the stacked SwiGLU weights gate/up {@code [E, 2I, d]} and down {@code
     * [E, d, I]}, laid out as {@code layout}, as one kernel. By default its products are this
     * backend's matrices ({@link MatrixExpertKernel}); a backend that can run an expert in fewer
     * calls returns its own.
     */
    default ExpertKernel expert(NDArray gateUp, NDArray down, int index, SwiGluLayout layout) {
        return new MatrixExpertKernel(this, gateUp, down, index, layout);
    }

    /** Matrix {@code index} of a stack {@code [count, outputs, inputs]} (one expert's projection). */
    default WeightMatrix matrix(NDArray stack, int index) {
        return matrix(stack, index, 0, stack.getShape().get(1), 0, stack.getShape().get(2));
    }
}
