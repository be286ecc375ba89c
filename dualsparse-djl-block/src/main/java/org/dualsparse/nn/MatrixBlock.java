package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.AbstractBlock;

/**
 * A block that multiplies by its weights: each weight is registered as a DJL parameter (training
 * and model fingerprints read those) and multiplied through the {@link WeightMatrix} the backend
 * makes of it, here in one place.
 */
public abstract class MatrixBlock extends AbstractBlock {

    /** Registers {@code weight} as parameter {@code name} and returns its matrix. */
    protected final WeightMatrix matrix(String name, NDArray weight) {
        addParameter(Layers.parameter(name, weight));
        return TorchMatrices.BACKEND.matrix(weight);
    }
}
