package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Weight-times-activations matmuls whose product lives in the activations' manager. DJL puts the
 * result of {@code a.matMul(b)} in {@code a}'s manager, which for a weight is the model's: each
 * forward step would leave its products behind there.
 */
public final class WeightProduct {

    /** Columns from which activations are multiplied as they are, see {@link #ofActivations}. */
    static final int COLUMN_MAJOR_BELOW = 16;

    private WeightProduct() {}

    /**
     * {@code weight · activations} for {@code [k, n]} activations as elementwise ops leave them,
     * row-major. From 2 to {@value #COLUMN_MAJOR_BELOW} - 1 columns they are copied column-major
     * first, the layout a transposed token matrix already has: libtorch's CPU SGEMM runs those
     * 1.1–1.4x faster per whole OLMoE expert, while from 16 columns that path is a few percent
     * slower (measured side by side on this project's 2-core CPU).
     */
    public static NDArray ofActivations(NDArray weight, NDArray activations) {
        Shape shape = activations.getShape();
        long n = shape.get(1);
        if (n == 1 || n >= COLUMN_MAJOR_BELOW) {
            return of(weight, activations);
        }
        NDArray columnMajor = activations.transpose().flatten().reshape(n, shape.get(0)).transpose();
        return of(weight, columnMajor);
    }

    /** {@code weight · columns}, attached to {@code columns}' manager. */
    public static NDArray of(NDArray weight, NDArray columns) {
        NDArray product = weight.matMul(columns);
        product.attach(columns.getManager());
        return product;
    }
}
