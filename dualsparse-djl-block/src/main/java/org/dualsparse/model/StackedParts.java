package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Builds a concatenated tensor (stacked experts, fused gate/up) in libtorch-owned memory, each
 * part copied straight into its slot: no Java array or buffer ever holds the whole, which can
 * pass the 2 GB either can.
 */
public final class StackedParts {

    private StackedParts() {}

    /**
     * The float32 {@code shape} tensor whose consecutive {@code partShape} slices are {@code
     * part(name)} for each of {@code names}, in order; each part is closed once copied.
     *
     * @throws IllegalArgumentException if the parts do not fill {@code shape}
     */
    public static NDArray fill(NDManager manager, List<String> names, long[] partShape, long[] shape, Function<String, NDArray> part) {
        long[] partsShape = new long[partShape.length + 1];
        partsShape[0] = names.size();
        System.arraycopy(partShape, 0, partsShape, 1, partShape.length);
        if (new Shape(partsShape).size() != new Shape(shape).size()) {
            throw new IllegalArgumentException(
                    names.size() + " parts of " + Arrays.toString(partShape) + " do not fill " + Arrays.toString(shape));
        }
        NDArray result = manager.create(new Shape(shape), DataType.FLOAT32);
        try (NDArray parts = result.reshape(partsShape)) {
            for (int i = 0; i < names.size(); i++) {
                try (NDArray filled = part.apply(names.get(i))) {
                    parts.set(new NDIndex(i), filled);
                }
            }
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
        return result;
    }
}
