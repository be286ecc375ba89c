package org.dualsparse.dualsparse.drop;

import org.dualsparse.moe.Routing;

/**
 * The top-p routing baseline: each token keeps its experts in descending score order until their
 * normalised scores add up to at least {@code p}; the rest are dropped. The top-1 always stays.
 */
public record TopPDropPolicy(double p) implements DropPolicy {

    public TopPDropPolicy {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p must lie in (0, 1], got " + p);
        }
    }

    @Override
    public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
        int k = routing.topK();
        for (int n = 0; n < routing.numTokens(); n++) {
            int[] order = Scores.descending(scores, n * k, k);
            double mass = 0;
            for (int rank = 0; rank < k; rank++) {
                int j = n * k + order[rank];
                decisions[j] = rank == 0 || mass < p ? PairDecision.FULL : PairDecision.DROPPED;
                mass += scores[j];
            }
        }
    }
}
