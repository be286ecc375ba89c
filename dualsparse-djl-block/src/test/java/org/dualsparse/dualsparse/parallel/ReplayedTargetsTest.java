package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.CalibratedModels;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.junit.jupiter.api.Test;

/**
 * Every method's knob solved on recorded routings replays to the target rate, and running the
 * model with the solved policy on the same tokens realises about that rate.
 */
class ReplayedTargetsTest {

    private static final int MAX_LENGTH = 32;

    @Test
    void everyMethodReachesTheTargetOnTheRecordedRoutingsAndInARun() {
        List<long[]> tokens = CalibratedModels.tokens(256, 6, 60, 3);
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, DropPolicy.NONE);
            List<LayerRouting> recorded = RoutingRecorder.record(lm, ds, tokens, MAX_LENGTH);
            Map<Integer, DropStats.LayerShape> shapes = ds.stats().shapes();
            ReplayedTargets targets = new ReplayedTargets(recorded, shapes, Margin.absolute(ThresholdDropPolicy.PAPER_DELTA));
            for (Method method : List.of(Method.ONE_T, Method.TWO_T, Method.EES, Method.TOP_P, Method.CAPACITY)) {
                ReplayedTargets.Solved solved = targets.solve(method, 0.2);
                // Capacity moves in whole pairs per expert and batch: 32-token batches make coarse steps.
                double tolerance = method == Method.CAPACITY ? 0.05 : 0.01;
                String what = method + " " + solved.knob() + " = " + solved.value();
                assertEquals(0.2, solved.predictedRate(), tolerance, what);
                assertEquals(countedRate(recorded, shapes, solved.policy()), solved.predictedRate(), 1e-12,
                        what + ": the policy's rate counted pair by pair on the recorded routings");
                try (DualSparseRuntime.PolicyScope scope = ds.using(solved.policy()); StatsWindow run = ds.measuring()) {
                    for (long[] chunk : Chunks.of(lm, tokens, MAX_LENGTH)) {
                        lm.lastLogits(chunk);
                    }
                    assertEquals(solved.predictedRate(), run.stats().rates().decision(), 0.03, what + ": realised in a run");
                }
            }
            assertSame(DropPolicy.NONE, targets.solve(Method.NONE, 0).policy());
            DropRateUnreachableException unreachable =
                    assertThrows(DropRateUnreachableException.class, () -> targets.solve(Method.ONE_T, 0.99));
            assertEquals(0.99, unreachable.target());
            double lowest2t = targets.dropRate(ThresholdDropPolicy.global(ThresholdDropPolicy.PAPER_DELTA,
                    ThresholdDropPolicy.PAPER_DELTA, 4, false));
            assertThrows(DropRateUnreachableException.class, () -> targets.solve(Method.TWO_T, lowest2t / 2),
                    "below 2T's rate at T = δ");
        }
    }

    /** Skipped over dense expert neurons, each recorded batch decided by {@code policy} as the block would. */
    private static double countedRate(List<LayerRouting> recorded, Map<Integer, DropStats.LayerShape> shapes, DropPolicy policy) {
        double skipped = 0;
        double dense = 0;
        for (LayerRouting batch : recorded) {
            DropStats.LayerShape shape = shapes.get(batch.layer());
            byte[] decisions = new byte[batch.routing().experts().length];
            policy.decide(batch.layer(), batch.routing(), Scores.normalised(batch.routing()), decisions);
            for (byte d : decisions) {
                skipped += d == PairDecision.DROPPED ? shape.expertNeurons()
                        : d == PairDecision.MAJOR ? shape.expertNeurons() - shape.majorNeurons() : 0;
                dense += shape.expertNeurons();
            }
            dense += (double) batch.routing().numTokens() * shape.sharedNeurons();
        }
        return skipped / dense;
    }
}
