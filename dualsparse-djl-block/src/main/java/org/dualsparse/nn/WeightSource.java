package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.function.Function;

/**
 * Where a family's builder takes its weights from, by HF tensor name and expected shape. The
 * checkpoint reader is one implementation; a random initialiser (for benchmarks and fresh
 * checkpoints) is another. Arrays come back float32 in {@link #manager()}.
 */
public interface WeightSource {

    /** The tensor {@code name}, checked against {@code shape}. */
    NDArray load(String name, long... shape);

    /**
     * The tensors {@code names}, each checked against {@code partShape}, laid out back to back
     * as one array of {@code shape} (e.g. every expert's gate and up rows as {@code [E, 2I, d]}),
     * without materialising the parts separately.
     */
    NDArray loadConcatenated(List<String> names, long[] partShape, long... shape);

    /** The manager that owns the loaded weights for the model's lifetime. */
    NDManager manager();

    /**
     * Runs {@code use} on a source that loads the same tensors again into {@code manager}: for
     * weights a packing backend freed once its matrices were made and a later step (DualSparse
     * partitioning) reads again. Sources that cannot load again refuse.
     */
    default <T> T reload(NDManager manager, Function<WeightSource, T> use) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot load its tensors again");
    }

    /** The backend that makes the model's weight matrices: libtorch's unless the load chose another. */
    default MatrixBackend backend() {
        return TorchMatrices.BACKEND;
    }
}
