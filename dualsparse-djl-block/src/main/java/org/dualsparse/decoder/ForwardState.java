package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.PairList;

/**
 * What every layer of one forward step shares: the rotary angles, the additive attention masks
 * and the KV cache. Built once per step by {@link CausalLmBlock} and handed to the layers
 * through the block parameters under {@link #KEY}.
 */
public final class ForwardState {

    static final String KEY = "dualsparse.forward-state";
    private static final float MASKED = -Float.MAX_VALUE;

    private final NDArray cos;
    private final NDArray sin;
    private final KvCache cache;
    private final long[][] keyMask;
    private final int pastLength;
    private final int steps;
    private final NDManager manager;
    private NDArray causalMask;
    private NDArray windowMask;
    private int window;

    ForwardState(NDArray cos, NDArray sin, long[][] keyMask, int steps, KvCache cache, NDManager manager) {
        this.cos = cos;
        this.sin = sin;
        this.keyMask = keyMask;
        this.steps = steps;
        this.pastLength = keyMask[0].length - steps;
        this.cache = cache;
        this.manager = manager;
    }

    static ForwardState from(PairList<String, Object> params) {
        Object state = params == null ? null : params.get(KEY);
        if (!(state instanceof ForwardState)) {
            throw new IllegalStateException("decoder layers run inside CausalLmBlock.forward");
        }
        return (ForwardState) state;
    }

    PairList<String, Object> asParams() {
        PairList<String, Object> params = new PairList<>();
        params.add(KEY, this);
        return params;
    }

    public NDArray cos() {
        return cos;
    }

    public NDArray sin() {
        return sin;
    }

    /** The KV cache, or null for a single full pass. */
    public KvCache cache() {
        return cache;
    }

    /**
     * The additive mask {@code [B, 1, S, past + S]}: 0 where query slot {@code past + i} may see
     * key slot {@code j} (not padding, not in the future and, with a window {@code w > 0},
     * {@code past + i - j < w}), a large negative number elsewhere.
     */
    public NDArray mask(int slidingWindow) {
        if (slidingWindow <= 0) {
            if (causalMask == null) {
                causalMask = buildMask(0);
            }
            return causalMask;
        }
        if (windowMask == null || window != slidingWindow) {
            windowMask = buildMask(slidingWindow);
            window = slidingWindow;
        }
        return windowMask;
    }

    private NDArray buildMask(int slidingWindow) {
        int batch = keyMask.length;
        int keys = keyMask[0].length;
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
