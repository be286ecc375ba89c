package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;

/** Load-aware thresholds on random and hand-built routings of 8 experts on 4 devices. */
class LoadAwareDropPolicyTest {

    private static final int EXPERTS = 8;
    private static final int DEVICES = 4;
    private static final int TOP_K = 2;
    private static final ThresholdDropPolicy UNIFORM = ThresholdDropPolicy.global(0.3, 0.05, TOP_K, false);
    private static final PlacementPlan CONTIGUOUS = PlacementPlan.uniform(ExpertPlacement.contiguous(EXPERTS, DEVICES));

    @Test
    void loadsEqualABruteForceCount() {
        Random random = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            Routing routing = randomRouting(random, 16, random.nextInt(EXPERTS));
            LoadAwareDropPolicy policy = new LoadAwareDropPolicy(UNIFORM, CONTIGUOUS, 0.5);
            byte[] decisions = decide(policy, routing);
            double[] before = new double[DEVICES];
            double[] after = new double[DEVICES];
            for (int p = 0; p < decisions.length; p++) {
                int device = (int) routing.experts()[p] / (EXPERTS / DEVICES);
                before[device] += 1;
                after[device] += decisions[p] == PairDecision.FULL ? 1 : decisions[p] == PairDecision.MAJOR ? 0.5 : 0;
            }
            assertArrayEquals(before, policy.lastLoads(0).before(), 0);
            assertArrayEquals(after, policy.lastLoads(0).after(), 0);
        }
    }

    /**
     * Brute force of the rule: device d's pairs are decided at T_d = T_max·min(1, r_d), r_d its
     * load over the ideal. Light devices must be decided differently from both T_max and T_d = 0.
     */
    @Test
    void lightDevicesDecideAtTheMaxThresholdTimesTheirLoadRatio() {
        Random random = new Random(4);
        float maxThreshold = UNIFORM.threshold(0);
        float delta = UNIFORM.delta(0);
        int lightPairsMovedByTheRule = 0;
        for (int trial = 0; trial < 50; trial++) {
            Routing routing = randomRouting(random, 4 + random.nextInt(29), random.nextInt(EXPERTS));
            float[] scores = Scores.normalised(routing);
            int[] device = new int[scores.length];
            long[] load = new long[DEVICES];
            for (int p = 0; p < scores.length; p++) {
                device[p] = (int) routing.experts()[p] / (EXPERTS / DEVICES);
                load[device[p]]++;
            }
            double ideal = (double) scores.length / DEVICES;
            byte[] expected = new byte[scores.length];
            for (int p = 0; p < scores.length; p++) {
                double ratio = load[device[p]] / ideal;
                float t = ratio >= 1 ? maxThreshold : (float) (maxThreshold * ratio);
                expected[p] = twoThresholds(scores[p], t, delta);
                boolean unlikeBoth = expected[p] != twoThresholds(scores[p], maxThreshold, delta)
                        && expected[p] != twoThresholds(scores[p], 0, delta);
                lightPairsMovedByTheRule += ratio < 1 && unlikeBoth ? 1 : 0;
            }
            assertArrayEquals(expected, decide(new LoadAwareDropPolicy(UNIFORM, CONTIGUOUS, 0.5), routing), "trial " + trial);
        }
        assertTrue(lightPairsMovedByTheRule > 10,
                "pairs of light devices decided unlike both T_max and T_d = 0: " + lightPairsMovedByTheRule);
    }

    @Test
    void aBalancedBatchIsDecidedAsByUniformThresholds() {
        Random random = new Random(2);
        // Every token picks one expert of devices {0,1} and one of {2,3}, cycling, so each device gets 4 pairs.
        long[] experts = new long[16];
        float[] weights = new float[16];
        for (int n = 0; n < 8; n++) {
            experts[2 * n] = n % 4;
            experts[2 * n + 1] = 4 + (n + 1) % 4;
            weights[2 * n] = random.nextFloat();
            weights[2 * n + 1] = random.nextFloat();
        }
        Routing routing = new Routing(null, null, experts, weights, 8, TOP_K);
        LoadAwareDropPolicy policy = new LoadAwareDropPolicy(UNIFORM, CONTIGUOUS, 0.5);
        assertArrayEquals(decide(UNIFORM, routing), decide(policy, routing));
        assertArrayEquals(new double[] {4, 4, 4, 4}, policy.lastLoads(0).before(), 0);
    }

    @Test
    void theStragglerIsNeverSlowerAndNoDeviceDropsMore() {
        Random random = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            Routing routing = randomRouting(random, 1 + random.nextInt(32), random.nextInt(EXPERTS));
            ExpertPlacement placement = ExpertPlacement.roundRobin(EXPERTS, DEVICES);
            int[] device = placement.assign(routing.experts());
            DeviceLoads uniform = DeviceLoads.count(DEVICES, device, decide(UNIFORM, routing), 0.5);
            LoadAwareDropPolicy policy = new LoadAwareDropPolicy(UNIFORM, PlacementPlan.uniform(placement), 0.5);
            decide(policy, routing);
            DeviceLoads loadAware = policy.lastLoads(0);
            int straggler = argMax(uniform.before());
            assertEquals(uniform.after()[straggler], loadAware.after()[straggler], 0,
                    "the most loaded device runs T_max, as under uniform thresholds");
            for (int d = 0; d < DEVICES; d++) {
                assertTrue(loadAware.after()[d] >= uniform.after()[d], "device " + d + " drops no more than uniform");
            }
        }
    }

    /** Random top-2 routing; {@code hot} gets about half of all pairs. */
    private static Routing randomRouting(Random random, int tokens, int hot) {
        long[] experts = new long[tokens * TOP_K];
        float[] weights = new float[tokens * TOP_K];
        for (int n = 0; n < tokens; n++) {
            long first = random.nextBoolean() ? hot : random.nextInt(EXPERTS);
            long second = (first + 1 + random.nextInt(EXPERTS - 1)) % EXPERTS;
            experts[2 * n] = first;
            experts[2 * n + 1] = second;
            weights[2 * n] = 0.5f + random.nextFloat();
            weights[2 * n + 1] = random.nextFloat() * 0.5f;
        }
        return new Routing(null, null, experts, weights, tokens, TOP_K);
    }

    private static byte[] decide(DropPolicy policy, Routing routing) {
        byte[] decisions = new byte[routing.experts().length];
        policy.decide(0, routing, Scores.normalised(routing), decisions);
        return decisions;
    }

    /** The 1T/2T rule at threshold {@code t}, written out rather than taken from the class under test. */
    private static byte twoThresholds(float s, float t, float delta) {
        return s < t - delta ? PairDecision.DROPPED : s < t + delta ? PairDecision.MAJOR : PairDecision.FULL;
    }

    private static int argMax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
