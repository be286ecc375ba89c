package org.dualsparse.model;

import ai.djl.ndarray.NDArray;

/**
 * Weight-times-activations matmuls whose product lives in the activations' manager. DJL puts the
 * result of {@code a.matMul(b)} in {@code a}'s manager, which for a weight is the model's: each
 * forward step would leave its products behind there.
 */
public final class WeightProduct {

    private WeightProduct() {}

    /** {@code weight · columns}, attached to {@code columns}' manager. */
    public static NDArray of(NDArray weight, NDArray columns) {
        NDArray product = weight.matMul(columns);
        product.attach(columns.getManager());
        return product;
    }
}
