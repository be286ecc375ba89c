package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Where a family's builder takes its weights from, by HF tensor name and expected shape. The
 * checkpoint reader is one implementation; a random initialiser (for benchmarks and fresh
 * checkpoints) is another. Arrays come back float32 in {@link #manager()}.
 */
public interface WeightSource {

    /** The tensor {@code name}, checked against {@code shape}. */
    NDArray load(String name, long... shape);

    /** The manager that owns the loaded weights for the model's lifetime. */
    NDManager manager();
}
