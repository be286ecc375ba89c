package org.dualsparse.model.family;

import org.dualsparse.config.ConfigException;
import org.dualsparse.config.HfConfig;

/** Config checks the families share. */
final class Families {

    private Families() {}

    /** {@code num_experts_per_tok}, checked to lie in {@code [1, numExperts]}. */
    static int topK(HfConfig c, String expertsKey) {
        int experts = c.requirePositiveInt(expertsKey);
        int k = c.requirePositiveInt("num_experts_per_tok");
        if (k > experts) {
            throw new ConfigException(c.source() + ": num_experts_per_tok = " + k + " exceeds " + expertsKey + " = " + experts);
        }
        return k;
    }

    /** Refuses {@code pretraining_tp} > 1, under which Llama-style remote code slices every projection. */
    static void requireUnslicedProjections(HfConfig c) {
        if (c.intOr("pretraining_tp", 1) != 1) {
            throw c.unsupported("pretraining_tp", "tensor-parallel slicing of the projections is not implemented");
        }
    }

    /** {@code clip_qkv} as a float, NaN when null. */
    static float clipQkv(HfConfig c) {
        if (!c.has("clip_qkv")) {
            return Float.NaN;
        }
        double clip = c.requireDouble("clip_qkv");
        if (clip <= 0) {
            throw new ConfigException(c.source() + ": clip_qkv = " + clip + " must be positive");
        }
        return (float) clip;
    }
}
