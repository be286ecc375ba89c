package org.dualsparse.model;

import ai.djl.ndarray.NDManager;
import org.dualsparse.decoder.KvCache;

/** Models with random weights, built in memory, for tests that need no checkpoint file. */
public final class TestModels {

    private TestModels() {}

    /** Logits {@code [B][S·V]} of a batch, run in a scoped manager. */
    public static float[] logits(MoeLanguageModel lm, long[][] ids, long[][] mask, KvCache cache) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, ids, mask, cache, false).toFloatArray();
        }
    }

    public static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    public static float maxAbsDiff(float[] a, float[] b, int aOffset, int bOffset, int length) {
        float max = 0;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, Math.abs(a[aOffset + i] - b[bOffset + i]));
        }
        return max;
    }
}
