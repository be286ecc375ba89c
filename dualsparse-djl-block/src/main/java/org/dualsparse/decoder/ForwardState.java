package org.dualsparse.decoder;

import org.dualsparse.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

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
    private final boolean collectRouterLoss;
    private final List<NDArray> routerLosses = new ArrayList<>();
    private NDArray causalMask;
    private NDArray windowMask;
    private int window;

    ForwardState(NDArray cos, NDArray sin, long[][] keyMask, int steps, KvCache cache, NDManager manager, boolean collectRouterLoss) {
        this.collectRouterLoss = collectRouterLoss;
        this.cos = cos;
        this.sin = sin;
        this.keyMask = keyMask;
        this.steps = steps;
        this.pastLength = keyMask[0].length - steps;
        this.cache = cache;
        this.manager = manager;
    }

    /** The state {@link CausalLmBlock} handed to the layers through {@code params}, or null for a block run on its own. */
    public static ForwardState inside(PairList<String, Object> params) {
        return params != null && params.get(KEY) instanceof ForwardState state ? state : null;
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

    /** Whether MoE layers should record their load-balancing loss ({@link CausalLmBlock#ROUTER_LOSS}). */
    public boolean collectsRouterLoss() {
        return collectRouterLoss;
    }

    /** Records one MoE layer's load-balancing loss. */
    public void addRouterLoss(NDArray loss) {
        routerLosses.add(loss);
    }

    /** The mean of the recorded load-balancing losses, or null when no MoE layer recorded one. */
    NDArray meanRouterLoss() {
        if (routerLosses.isEmpty()) {
            return null;
        }
        NDArray sum = routerLosses.get(0);
        for (int i = 1; i < routerLosses.size(); i++) {
            sum = sum.add(routerLosses.get(i));
        }
        return Scalars.div(sum, routerLosses.size());
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
