package org.dualsparse.dualsparse.drop;

import org.dualsparse.moe.Routing;

/**
 * Decides, per MoE layer and batch, what each routed token-expert pair computes. Policies see
 * the router's decision and the normalised scores {@code s_k = g_k / Σ_j g_j} over each token's
 * top-K; they never change the gate weights of the pairs they keep.
 */
public interface DropPolicy {

    /**
     * Fills {@code decisions[n·K + k]} with a {@link PairDecision} for every pair.
     *
     * @param scores normalised scores, same layout as {@link Routing#experts()}
     */
    void decide(int layer, Routing routing, float[] scores, byte[] decisions);

    /** Keeps every pair whole: the partitioned model then equals the original one. */
    DropPolicy NONE = (layer, routing, scores, decisions) -> java.util.Arrays.fill(decisions, PairDecision.FULL);
}
