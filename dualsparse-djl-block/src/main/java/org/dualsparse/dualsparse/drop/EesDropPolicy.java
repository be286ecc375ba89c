package org.dualsparse.dualsparse.drop;

import org.dualsparse.moe.Routing;

/**
 * The EES baseline: a token's non-top-1 expert {@code k} is dropped when {@code s_k < β · s_1},
 * {@code s_1} the token's largest score; {@code β} is usually the calibration median of {@code
 * s_2 / s_1}.
 */
public record EesDropPolicy(double beta) implements DropPolicy {

    public EesDropPolicy {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("EES β must lie in [0, 1], got " + beta);
        }
    }

    @Override
    public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
        int k = routing.topK();
        for (int n = 0; n < routing.numTokens(); n++) {
            int top = Scores.argMax(scores, n * k, k);
            double cut = beta * scores[top];
            for (int j = n * k; j < (n + 1) * k; j++) {
                decisions[j] = j == top || scores[j] >= cut ? PairDecision.FULL : PairDecision.DROPPED;
            }
        }
    }
}
