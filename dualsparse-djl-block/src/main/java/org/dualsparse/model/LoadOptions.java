package org.dualsparse.model;

import java.util.Locale;

/**
 * How a checkpoint is loaded.
 *
 * @param dtype the compute dtype of the weights
 */
public record LoadOptions(Dtype dtype) {

    /** Compute dtype of a loaded model. */
    public enum Dtype {
        F32,
        BF16;

        /** Parses {@code f32} / {@code bf16}, case-insensitively. */
        public static Dtype parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown dtype \"" + name + "\"; use f32 or bf16", e);
            }
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Dtype.F32);
    }
}
