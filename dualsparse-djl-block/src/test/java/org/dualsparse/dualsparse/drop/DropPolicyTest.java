package org.dualsparse.dualsparse.drop;

import static org.dualsparse.dualsparse.drop.PairDecision.DROPPED;
import static org.dualsparse.dualsparse.drop.PairDecision.FULL;
import static org.dualsparse.dualsparse.drop.PairDecision.MAJOR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;

/** Drop decisions on hand-built router outputs: every branch and both boundaries. */
class DropPolicyTest {

    /** Routing of tokens whose K gate weights are given (already in the family's scale). */
    private static Routing routing(int topK, float[] weights, long[] experts) {
        return new Routing(null, null, experts, weights, weights.length / topK, topK);
    }

    private static byte[] decide(DropPolicy policy, Routing routing) {
        byte[] decisions = new byte[routing.experts().length];
        policy.decide(0, routing, Scores.normalised(routing), decisions);
        return decisions;
    }

    @Test
    void normalisedScoresIgnoreTheGateScale() {
        Routing r = routing(2, new float[] {0.3f, 0.1f, 1.6f, 0.4f}, new long[] {0, 1, 2, 3});
        assertArrayEquals(new float[] {0.75f, 0.25f, 0.8f, 0.2f}, Scores.normalised(r), 1e-6f);
    }

    @Test
    void twoThresholdsHitEachBranchAndCountBoundariesAsAbove() {
        // T = 0.25, δ = 0.0625 (exact in binary): T_major = 0.1875, T_minor = 0.3125.
        ThresholdDropPolicy policy = ThresholdDropPolicy.global(0.25, 0.0625, 2, false);
        float[] scores = {0.1875f, Math.nextDown(0.1875f), 0.3125f, Math.nextDown(0.3125f)};
        byte[] decisions = new byte[4];
        policy.decide(0, routing(2, scores, new long[4]), scores, decisions);
        assertArrayEquals(new byte[] {MAJOR, DROPPED, FULL, MAJOR}, decisions);
    }

    @Test
    void aRelativeMarginIsAFractionOfEachLayersThreshold() {
        ThresholdDropPolicy policy = ThresholdDropPolicy.perLayer(new double[] {0.2, 0.1}, Margin.relative(0.5), 3, false);
        Routing r = routing(3, new float[] {0.6f, 0.25f, 0.15f, 0.5f, 0.3f, 0.04f}, new long[] {0, 1, 2, 3, 4, 5});
        // Layer 0: band [0.1, 0.3); layer 1: band [0.05, 0.15).
        assertArrayEquals(new byte[] {FULL, MAJOR, MAJOR, FULL, FULL, DROPPED}, decide(policy, r));
        byte[] decisions = new byte[6];
        policy.decide(1, r, new float[] {0.6f, 0.25f, 0.15f, 0.5f, 0.3f, 0.04f}, decisions);
        assertArrayEquals(new byte[] {FULL, FULL, FULL, FULL, FULL, DROPPED}, decisions);
        assertEquals(0.05f, policy.delta(1), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> Margin.relative(1.5));
        assertThrows(IllegalArgumentException.class, () -> Margin.absolute(-0.1));
    }

    @Test
    void oneThresholdHasNoMajorOnlyPairs() {
        ThresholdDropPolicy policy = ThresholdDropPolicy.global(0.2, 0, 3, false);
        Routing r = routing(3, new float[] {0.6f, 0.25f, 0.15f, 0.5f, 0.3f, 0.2f}, new long[] {0, 1, 2, 3, 4, 5});
        assertArrayEquals(new byte[] {FULL, FULL, DROPPED, FULL, FULL, FULL}, decide(policy, r));
    }

    @Test
    void thresholdsAtOrAboveOneOverKAreRefusedUnlessForced() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ThresholdDropPolicy.global(0.5, 0, 2, false));
        assertTrue(e.getMessage().contains("1/K"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ThresholdDropPolicy.global(0.1, 0.2, 2, false));
        assertThrows(IllegalArgumentException.class, () -> ThresholdDropPolicy.global(-0.1, 0, 2, false));
        assertThrows(IllegalArgumentException.class, () -> ThresholdDropPolicy.perLayer(new double[] {0.1, 0.6}, Margin.NONE, 2, false));
        ThresholdDropPolicy.global(0.5, 0, 2, true);
    }

    @Test
    void theTopOneExpertSurvivesEveryAllowedThreshold() {
        Random random = new Random(1);
        for (int trial = 0; trial < 2000; trial++) {
            int k = 1 + random.nextInt(8);
            float[] g = new float[k];
            for (int j = 0; j < k; j++) {
                g[j] = (float) Math.exp(4 * random.nextGaussian());
            }
            double t = Math.nextDown(1.0 / k) * random.nextDouble();
            double delta = t * random.nextDouble();
            Routing r = routing(k, g, new long[k]);
            byte[] decisions = decide(ThresholdDropPolicy.global(t, delta, k, false), r);
            int top = Scores.argMax(Scores.normalised(r), 0, k);
            assertTrue(decisions[top] != DROPPED, "top-1 dropped at T=" + t + " δ=" + delta);
        }
        Routing uniform = routing(4, new float[] {1, 1, 1, 1}, new long[4]);
        assertArrayEquals(new byte[] {MAJOR, MAJOR, MAJOR, MAJOR},
                decide(ThresholdDropPolicy.global(Math.nextDown(0.25), Math.nextDown(0.25) - 0.2, 4, false), uniform));
    }

    @Test
    void eesDropsSecondaryExpertsBelowBetaTimesTheTop() {
        Routing r = routing(3, new float[] {0.5f, 0.3f, 0.2f}, new long[] {4, 5, 6});
        assertArrayEquals(new byte[] {FULL, FULL, DROPPED}, decide(new EesDropPolicy(0.5), r));
        assertArrayEquals(new byte[] {FULL, DROPPED, DROPPED}, decide(new EesDropPolicy(0.61), r));
    }

    @Test
    void topPKeepsExpertsUntilTheirMassReachesP() {
        Routing r = routing(4, new float[] {0.1f, 0.4f, 0.3f, 0.2f}, new long[] {0, 1, 2, 3});
        assertArrayEquals(new byte[] {DROPPED, FULL, FULL, DROPPED}, decide(new TopPDropPolicy(0.7), r));
        assertArrayEquals(new byte[] {DROPPED, FULL, DROPPED, DROPPED}, decide(new TopPDropPolicy(0.3), r));
        assertArrayEquals(new byte[] {FULL, FULL, FULL, FULL}, decide(new TopPDropPolicy(1.0), r));
    }

    @Test
    void capacityDropsTheLowestScoringPairsOfOverloadedExperts() {
        // 4 tokens × K=1 over E=2 with γ=1: capacity 2 per expert; expert 0 gets 3 pairs.
        Routing r = routing(1, new float[] {0.9f, 0.5f, 0.7f, 0.8f}, new long[] {0, 0, 0, 1});
        byte[] decisions = new byte[4];
        new CapacityDropPolicy(1.0, 2).decide(0, r, new float[] {0.9f, 0.5f, 0.7f, 0.8f}, decisions);
        assertArrayEquals(new byte[] {FULL, DROPPED, FULL, FULL}, decisions);
    }
}
