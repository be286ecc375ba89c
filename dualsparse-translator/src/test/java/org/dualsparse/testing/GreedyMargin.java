package org.dualsparse.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Greedy tokens from two computation paths (KV cache or none, padded batch or alone) are equal only
 * where the top-1 logit leads the runner-up by more than the paths can differ: 1e-5 of the logit
 * scale, the parity tests' bound, on each side. A test input that fails this is a bad input to
 * compare tokens on, not a bug, and the test says so instead of passing or failing by luck.
 */
public final class GreedyMargin {

    public static final float LOGIT_TOLERANCE = 1e-5f;

    private GreedyMargin() {}

    public static void assertDecidable(float[] logits, String what) {
        int best = 0;
        float scale = 0;
        for (int i = 0; i < logits.length; i++) {
            best = logits[i] > logits[best] ? i : best;
            scale = Math.max(scale, Math.abs(logits[i]));
        }
        float runnerUp = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            runnerUp = i == best ? runnerUp : Math.max(runnerUp, logits[i]);
        }
        float margin = logits[best] - runnerUp;
        assertTrue(margin > 2 * LOGIT_TOLERANCE * scale,
                what + ": top-1 margin " + margin + " is within rounding of logit scale " + scale + "; pick another input");
    }
}
