package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

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
}
