package org.dualsparse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;

/** Every method's knob hits its target drop rate on the routing it is solved for. */
class MoeLayerBenchmarkTest {

    @Test
    void solvedKnobsHitTheTargetOrAreReportedUnreachable() {
        int tokens = 400;
        int topK = 4;
        Random random = new Random(3);
        float[] weights = new float[tokens * topK];
        long[] experts = new long[weights.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) Math.exp(random.nextGaussian());
            experts[i] = (i % topK) * 4L + random.nextInt(4);
        }
        Routing routing = new Routing(null, null, experts, weights, tokens, topK);
        DropStats.LayerShape shape = new DropStats.LayerShape(16, 64, 32, 0);
        for (double target : new double[] {0.1, 0.25, 0.4}) {
            for (Method method : new Method[] {Method.ONE_T, Method.TWO_T, Method.EES, Method.TOP_P}) {
                MoeLayerBenchmark.Point point = MoeLayerBenchmark.Point.atRate("p", method, target, Margin.absolute(0.02), Partition.halves(2));
                var solved = MoeLayerBenchmark.solve(point, routing, shape);
                assertEquals(target, solved.predictedRate(), 0.005, method + " at " + target);
                assertEquals(solved.predictedRate(), rate(routing, shape, solved.policy()), 1e-9);
            }
        }
        var twoT = MoeLayerBenchmark.solve(MoeLayerBenchmark.Point.atRate("p", Method.TWO_T, 0.25, Margin.absolute(0.02), Partition.halves(2)), routing, shape);
        ThresholdDropPolicy thresholds = (ThresholdDropPolicy) twoT.policy();
        assertEquals(0.02f, thresholds.delta(0));
        assertTrue(thresholds.threshold(0) > 0.02 && thresholds.threshold(0) < 0.25, "T = " + thresholds.threshold(0));
        assertEquals(DropPolicy.NONE, MoeLayerBenchmark.solve(MoeLayerBenchmark.Point.atRate("p", Method.ONE_T, 0, Margin.NONE, Partition.halves(2)),
                routing, shape).policy());
        assertThrows(DropRateUnreachableException.class, () -> MoeLayerBenchmark.solve(
                MoeLayerBenchmark.Point.atRate("p", Method.ONE_T, 0.9, Margin.NONE, Partition.halves(2)), routing, shape), "90% needs T ≥ 1/K");
    }

    @Test
    void pairSharesSetBothThresholdsOnTheTimedRouting() {
        int tokens = 500;
        int topK = 8;
        Random random = new Random(4);
        float[] weights = new float[tokens * topK];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) Math.exp(random.nextGaussian());
        }
        Routing routing = new Routing(null, null, new long[weights.length], weights, tokens, topK);
        DropStats.LayerShape shape = new DropStats.LayerShape(64, 1024, 512, 0);
        var solved = MoeLayerBenchmark.solve(MoeLayerBenchmark.Point.atShares("p", Method.TWO_T, 0.3, Partition.halves(2), 0.2, 0.25),
                routing, shape);
        byte[] decisions = MoeLayerBenchmark.decisions(routing, solved.policy());
        assertEquals(0.2, share(decisions, PairDecision.DROPPED), 1e-3);
        assertEquals(0.25, share(decisions, PairDecision.MAJOR), 1e-3);
        assertEquals(0.2 + 0.25 / 2, solved.predictedRate(), 1e-3, "a major-only pair skips half an expert");
        var oneT = MoeLayerBenchmark.solve(MoeLayerBenchmark.Point.atShares("p", Method.ONE_T, 0.1, Partition.halves(2), 0.1, 0),
                routing, shape);
        decisions = MoeLayerBenchmark.decisions(routing, oneT.policy());
        assertEquals(0.1, share(decisions, PairDecision.DROPPED), 1e-3);
        assertEquals(0, share(decisions, PairDecision.MAJOR));
        assertThrows(IllegalArgumentException.class,
                () -> MoeLayerBenchmark.Point.atShares("p", Method.EES, 0.1, Partition.halves(2), 0.1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> MoeLayerBenchmark.Point.atShares("p", Method.TWO_T, 0.1, Partition.halves(2), 0.6, 0.5));
    }

    private static double share(byte[] decisions, byte kind) {
        long n = 0;
        for (byte d : decisions) {
            n += d == kind ? 1 : 0;
        }
        return (double) n / decisions.length;
    }

    @Test
    void weightReadSpeedupCountsExpertsLeftWithoutAKeptPair() {
        // Token 0 gives expert 1 a tenth, token 1 splits 60/40 between experts 0 and 2.
        Routing routing = new Routing(null, null, new long[] {0, 1, 0, 2}, new float[] {0.9f, 0.1f, 0.6f, 0.4f}, 2, 2);
        DropStats.LayerShape shape = new DropStats.LayerShape(4, 64, 32, 0);
        assertEquals(1.0, speedup(routing, shape, 0.05, 0), 1e-12);
        assertEquals(1.5, speedup(routing, shape, 0.2, 0), 1e-12);
        assertEquals(3.0, speedup(routing, shape, 0.45, 0), 1e-12);
        assertEquals(2.0, speedup(routing, shape, 0.45, 0.1), 1e-12, "expert 2 major-only: half of its weights read");
    }

    private static double speedup(Routing routing, DropStats.LayerShape shape, double threshold, double delta) {
        return MoeLayerBenchmark.weightReadSpeedup(routing, shape,
                MoeLayerBenchmark.decisions(routing, ThresholdDropPolicy.global(threshold, delta, 2, false)));
    }

    private static double rate(Routing routing, DropStats.LayerShape shape, DropPolicy policy) {
        byte[] decisions = MoeLayerBenchmark.decisions(routing, policy);
        long major = 0;
        long dropped = 0;
        for (byte d : decisions) {
            major += d == PairDecision.MAJOR ? 1 : 0;
            dropped += d == PairDecision.DROPPED ? 1 : 0;
        }
        return shape.skippedNeurons(major, dropped) / shape.denseNeurons(routing.numTokens(), decisions.length);
    }
}
