package org.dualsparse.dualsparse.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.junit.jupiter.api.Test;

/**
 * The solver on hand-built profiles whose drop-rate curves are known in closed form: top-2
 * routing where a token's second score is uniform on [0, 0.5), so 1T at T drops a fraction T of
 * the routed work.
 */
class ThresholdSolverTest {

    private static final int TOKENS = 4096;
    private static final int NEURONS = 8;

    /** Second scores (i + 0.5) / (2 · TOKENS): uniform on [0, 0.5), one per bin pair. */
    private static LayerProfile layer(int index, int sharedNeurons) {
        long[] scores = new long[ScoreHistogram.DEFAULT_BINS];
        long[] ratios = new long[ScoreHistogram.DEFAULT_BINS];
        for (int t = 0; t < TOKENS; t++) {
            double second = (t + 0.5) / (2.0 * TOKENS);
            scores[ScoreHistogram.bin(second, scores.length)]++;
            scores[ScoreHistogram.bin(1 - second, scores.length)]++;
            ratios[ScoreHistogram.bin(second / (1 - second), ratios.length)]++;
        }
        return new LayerProfile(index, 2, 4, NEURONS, sharedNeurons, TOKENS,
                new ScoreHistogram(scores), new ScoreHistogram(ratios), new float[4][NEURONS]);
    }

    private static ThresholdSolver solver(LayerProfile... layers) {
        return new ThresholdSolver(new CalibrationProfile(new ModelIdentity("test", "0"), ImportanceMetric.ABS_GATE, TOKENS,
                List.of(layers)), Partition.halves(2));
    }

    @Test
    void oneThresholdDropsTheFractionOfScoresBelowIt() {
        ThresholdSolver solver = solver(layer(0, 0));
        assertEquals(0.3, solver.dropRate(0.3, Margin.NONE), 1e-9);
        assertEquals(0.3, solver.global(0.3, Margin.NONE).threshold(0), 1e-3);
    }

    @Test
    void twoThresholdsCountMajorOnlyPairsAsHalfSkipped() {
        ThresholdSolver solver = solver(layer(0, 0));
        // Dropped: second < T − δ; major-only: T − δ ≤ second < T + δ, skipping half of the expert.
        assertEquals(0.2 - 0.05 + 0.5 * 0.1, solver.dropRate(0.2, Margin.absolute(0.05)), 1e-9);
        assertEquals(0.2, solver.global(0.2, Margin.absolute(0.05)).threshold(0), 1e-3);
    }

    @Test
    void aRelativeMarginScalesTheBandWithTheThresholdAndReachesEveryRate() {
        ThresholdSolver solver = solver(layer(0, 0));
        // δ = 0.5·T: dropped below T/2, major-only from T/2 to 3T/2.
        assertEquals(0.1 + 0.5 * 0.2, solver.dropRate(0.2, Margin.relative(0.5)), 1e-9);
        ThresholdDropPolicy low = solver.global(0.01, Margin.relative(0.5));
        assertEquals(0.01, solver.predict(low).overall(), 1e-4, "a fixed δ = 0.05 cannot go below 5%; δ = ρ·T can");
        assertEquals(0.5 * low.threshold(0), low.delta(0), 1e-7);
        ThresholdDropPolicy perLayer = solver(layer(0, 0), layer(1, 16)).perLayerEqual(0.1, Margin.relative(0.5));
        assertEquals(0.5 * perLayer.threshold(1), perLayer.delta(1), 1e-7);
        assertTrue(perLayer.threshold(1) > perLayer.threshold(0), "the layer with a shared expert needs a higher T");
        // At T = 0.2: pairs below 0.1 dropped, from 0.1 to 0.3 major-only; half of all pairs lie uniformly on [0, 0.5).
        ThresholdSolver.PairShares shares = solver.pairShares(solver.global(0.2, Margin.relative(0.5)));
        assertEquals(0.1, shares.dropped(), 1e-3);
        assertEquals(0.2, shares.majorOnly(), 1e-3);
        assertEquals(List.of(0), List.copyOf(shares.perLayer().keySet()));
    }

    @Test
    void sharedExpertsCountInTheDenseWork() {
        // Routed work 2 · 8 per token, shared 16: the same drops are half the rate.
        assertEquals(0.15, solver(layer(0, 16)).dropRate(0.3, Margin.NONE), 1e-9);
    }

    @Test
    void aTargetOutOfReachBelowOneOverKNamesTheReachableRates() {
        ThresholdSolver solver = solver(layer(0, 16));
        DropRateUnreachableException e = assertThrows(DropRateUnreachableException.class, () -> solver.global(0.3, Margin.NONE));
        assertEquals(0.25, e.max(), 1e-3);
        assertTrue(e.getMessage().contains("30.00%") && e.getMessage().contains("25.00%") && e.getMessage().contains("1/K = 1/2"),
                e.getMessage());
        DropRateUnreachableException tooSmall = assertThrows(DropRateUnreachableException.class,
                () -> solver(layer(0, 0)).global(0.01, Margin.absolute(0.05)));
        assertEquals(0.05, tooSmall.min(), 1e-3);
        assertThrows(IllegalArgumentException.class, () -> solver.global(0.1, Margin.absolute(0.5)));
    }

    @Test
    void theLargestThresholdStaysBelowOneOverKAsAFloat() {
        ThresholdSolver solver = solver(layer(0, 0));
        ThresholdDropPolicy highest = solver.global(solver.dropRate(solver.maxThreshold(), Margin.NONE), Margin.NONE);
        assertTrue(highest.threshold(0) < 0.5f, "T = " + highest.threshold(0));
        assertEquals(Math.nextDown(0.5f), highest.threshold(0));
    }

    @Test
    void perLayerThresholdsMarkLayersWithoutExperts() {
        ThresholdSolver solver = solver(layer(1, 0), layer(3, 16));
        ThresholdDropPolicy equal = solver.perLayerEqual(0.2, Margin.NONE);
        assertTrue(Float.isNaN(equal.threshold(0)) && Float.isNaN(equal.threshold(2)));
        assertEquals(0.2, equal.threshold(1), 1e-3);
        assertEquals(0.4, equal.threshold(3), 1e-3);
        assertThrows(IllegalStateException.class, () -> equal.decide(2, null, new float[0], new byte[0]));
    }

    @Test
    void sensitivityWeightingSpendsTheBudgetWhereKlGrowsSlowest() {
        ThresholdSolver solver = solver(layer(0, 0), layer(1, 0));
        double[] rates = {0, 0.1, 0.2, 0.3, 0.4};
        // Layer 1 costs four times layer 0 at every rate; both costs grow with the square of the rate.
        SensitivityCurve cheap = new SensitivityCurve(rates, new double[] {0, 0.01, 0.04, 0.09, 0.16});
        SensitivityCurve dear = new SensitivityCurve(rates, new double[] {0, 0.04, 0.16, 0.36, 0.64});
        ThresholdSolver.Prediction p = solver.predict(solver.sensitivityWeighted(0.2, Margin.NONE, Map.of(0, cheap, 1, dear)));
        // Marginal costs per 0.1 of rate: layer 0 takes 0.1, 0.3, 0.5; layer 1 takes 0.4; a total of 0.4 = 2 · 0.2.
        assertEquals(0.2, p.overall(), 1e-3);
        assertEquals(0.3, p.perLayer().get(0), 1e-3);
        assertEquals(0.1, p.perLayer().get(1), 1e-3);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> solver.sensitivityWeighted(0.2, Margin.NONE, Map.of(0, cheap)));
        assertTrue(missing.getMessage().contains("MoE layer 1"), missing.getMessage());
        DropRateUnreachableException beyond = assertThrows(DropRateUnreachableException.class,
                () -> solver.sensitivityWeighted(0.45, Margin.NONE, Map.of(0, cheap, 1, dear)));
        assertEquals(0.4, beyond.max(), 1e-9);
    }

    @Test
    void aCurveIsJudgedByItsLowerConvexEnvelope() {
        SensitivityCurve bumpy = new SensitivityCurve(new double[] {0, 0.1, 0.2, 0.3}, new double[] {0, 0.5, 0.6, 1.2});
        assertArrayEquals(new int[] {0, 2, 3}, bumpy.convexEnvelope());
        assertThrows(IllegalArgumentException.class, () -> new SensitivityCurve(new double[] {0.2, 0.1}, new double[] {0, 0}));
    }

    @Test
    void eesBetaIsTheMedianTopTwoRatio() {
        CalibrationProfile profile = new CalibrationProfile(new ModelIdentity("test", "0"), ImportanceMetric.ABS_GATE, TOKENS,
                List.of(layer(0, 0)));
        // The median token has second score 0.25, so s2/s1 = 0.25 / 0.75.
        assertEquals(1.0 / 3, profile.eesBeta(), 1e-3);
    }
}
