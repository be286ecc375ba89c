package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.AbstractBlock;

/**
 * A block that multiplies by its weights, each through the {@link WeightMatrix} a backend makes
 * of it, here in one place. A weight the matrix reads in place is registered as a DJL parameter
 * (training reads those); one the backend copied is freed at once, so a model loaded for a
 * packing backend never holds its float32 weights.
 */
public abstract class MatrixBlock extends AbstractBlock {

    /** The matrix {@code backend} makes of {@code weight}, registered as parameter {@code name} when the backend keeps it. */
    protected final WeightMatrix matrix(MatrixBackend backend, String name, NDArray weight) {
        WeightMatrix matrix = backend.matrix(weight);
        if (backend.keepsArrays()) {
            addParameter(Layers.parameter(name, weight));
        } else {
            weight.close();
        }
        return matrix;
    }
}
