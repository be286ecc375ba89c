package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/** The self-attention slot of a decoder layer: {@link Attention} or a family's own, such as {@link MultiHeadLatentAttention}. */
public interface SelfAttention extends Block {

    /**
     * Attends over {@code x} {@code [B, S, d]} and whatever {@code in}'s cache holds, extending
     * that cache; the result {@code [B, S, d]} lives in {@code x}'s manager.
     */
    NDArray attend(ParameterStore ps, NDArray x, AttentionInputs in);
}
