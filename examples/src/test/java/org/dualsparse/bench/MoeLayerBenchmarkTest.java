package org.dualsparse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;

/** The benchmark's thresholds hit their target drop rates on the routing they are solved for. */
class MoeLayerBenchmarkTest {

    @Test
    void solvedThresholdsHitTheTargetOrAreReportedUnreachable() {
        int tokens = 400;
        int topK = 4;
        Random random = new Random(3);
        float[] weights = new float[tokens * topK];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) Math.exp(random.nextGaussian());
        }
        Routing routing = new Routing(null, null, new long[weights.length], weights, tokens, topK);
        DropStats.LayerShape shape = new DropStats.LayerShape(16, 64, 32, 0);
        for (double target : new double[] {0.1, 0.25, 0.4}) {
            for (double delta : new double[] {0, 0.01}) {
                double t = MoeLayerBenchmark.solve(routing, shape, topK, delta, target);
                assertTrue(t > delta && t < 0.25, "T = " + t);
                assertEquals(target, MoeLayerBenchmark.dropRate(routing, shape, topK, t, delta), 0.005);
            }
        }
        assertEquals(0, MoeLayerBenchmark.solve(routing, shape, topK, 0.01, 0));
        assertTrue(Double.isNaN(MoeLayerBenchmark.solve(routing, shape, topK, 0, 0.9)), "90% needs T ≥ 1/K");
    }

    @Test
    void weightReadSpeedupCountsExpertsLeftWithoutAKeptPair() {
        // Token 0 gives expert 1 a tenth, token 1 splits 60/40 between experts 0 and 2.
        Routing routing = new Routing(null, null, new long[] {0, 1, 0, 2}, new float[] {0.9f, 0.1f, 0.6f, 0.4f}, 2, 2);
        DropStats.LayerShape shape = new DropStats.LayerShape(4, 64, 32, 0);
        assertEquals(1.0, MoeLayerBenchmark.weightReadSpeedup(routing, shape, 2, 0.05, 0), 1e-12);
        assertEquals(1.5, MoeLayerBenchmark.weightReadSpeedup(routing, shape, 2, 0.2, 0), 1e-12);
        assertEquals(3.0, MoeLayerBenchmark.weightReadSpeedup(routing, shape, 2, 0.45, 0), 1e-12);
    }
}
