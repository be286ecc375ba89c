package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The additive attention masks of one forward step, built from the host key mask when a layer
 * first asks for them: the causal one and, for the last sliding window asked, the windowed one.
 * Used from the forward pass's thread only.
 */
public final class AttentionMasks {

    private static final float MASKED = -Float.MAX_VALUE;

    private final long[][] keyMask;
    private final int steps;
    private final NDManager manager;
    private NDArray causal;
    private NDArray windowed;
    private int window;

    private AttentionMasks(long[][] keyMask, int steps, NDManager manager, NDArray given) {
        this.keyMask = keyMask;
        this.steps = steps;
        this.manager = manager;
        this.causal = given;
    }

    /**
     * The masks of {@code steps} new tokens over the slots of {@code keyMask} {@code [B, past +
     * S]} (1 for a token, 0 for padding), built in {@code manager}.
     */
    static AttentionMasks of(long[][] keyMask, int steps, NDManager manager) {
        return new AttentionMasks(keyMask, steps, manager, null);
    }

    /** One additive mask {@code [B, 1, S, T]} for every window, for an attention block run on its own. */
    static AttentionMasks given(NDArray additive) {
        return new AttentionMasks(null, 0, null, additive);
    }

    /**
     * The additive mask {@code [B, 1, S, past + S]}: 0 where query slot {@code past + i} may see
     * key slot {@code j} (not padding, not in the future and, with a window {@code w > 0},
     * {@code past + i - j < w}), a large negative number elsewhere.
     */
    public NDArray forWindow(int slidingWindow) {
        if (slidingWindow <= 0 || keyMask == null) {
            if (causal == null) {
                causal = build(0);
            }
            return causal;
        }
        if (windowed == null || window != slidingWindow) {
            windowed = build(slidingWindow);
            window = slidingWindow;
        }
        return windowed;
    }

    private NDArray build(int slidingWindow) {
        int batch = keyMask.length;
        int keys = keyMask[0].length;
        int pastLength = keys - steps;
        float[] mask = new float[batch * steps * keys];
        int at = 0;
        for (long[] row : keyMask) {
            for (int i = 0; i < steps; i++) {
                int query = pastLength + i;
                for (int j = 0; j < keys; j++) {
                    boolean visible = row[j] != 0 && j <= query
                            && (slidingWindow <= 0 || query - j < slidingWindow);
                    mask[at++] = visible ? 0f : MASKED;
                }
            }
        }
        return manager.create(mask, new Shape(batch, 1, steps, keys));
    }
}
