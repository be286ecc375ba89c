package org.dualsparse.cli;

import java.util.List;
import java.util.SortedMap;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings.PerLayer;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.LayerSensitivity;
import org.dualsparse.dualsparse.calibration.SensitivityCurve;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.parallel.ReplayedTargets;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;

/**
 * The drop policy of each point of a sweep, solved on calibration text only: 1T/2T thresholds
 * from the calibration profile as {@code --drop-rate R [--per-layer SPLIT]} solves them elsewhere
 * (per-layer sensitivity measured on the first calibration tokens), the baselines' knobs on the
 * undropped model's routings of the same text ({@link ReplayedTargets}).
 */
final class SweepPolicies {

    /** A solved point: its policy, how its knob was set, and what the calibration data predicts. */
    record Solved(ReplayedTargets.Solved knob, ThresholdSolver.PairShares pairs) {}

    private final ThresholdSolver solver;
    private final ReplayedTargets replay;
    private final MoeLanguageModel lm;
    private final DualSparseRuntime dualSparse;
    private final List<long[]> sensitivityTokens;
    private final int window;

    /**
     * @param profile the calibration profile thresholds are solved from, or null when no method has thresholds
     * @param replay the recorded routings' solver, or null when no baseline is swept
     * @param sensitivityTokens the calibration tokens per-layer sensitivity is measured on
     * @param window the most tokens per forward pass of that measurement
     */
    SweepPolicies(CalibrationProfile profile, SweepSetting partitioning, ReplayedTargets replay, MoeLanguageModel lm,
            DualSparseRuntime dualSparse, List<long[]> sensitivityTokens, int window) {
        this.solver = profile == null ? null : new ThresholdSolver(profile, partitioning.partition());
        this.replay = replay;
        this.lm = lm;
        this.dualSparse = dualSparse;
        this.sensitivityTokens = sensitivityTokens;
        this.window = window;
    }

    /**
     * {@code setting}'s policy for a target drop rate above 0.
     *
     * @throws org.dualsparse.dualsparse.drop.DropRateUnreachableException when no knob value reaches it
     */
    Solved solve(SweepSetting setting, double target) {
        if (!setting.thresholded()) {
            return new Solved(replay.solve(setting.method(), target), null);
        }
        Margin margin = setting.margin();
        ThresholdDropPolicy policy = switch (setting.perLayer()) {
            case GLOBAL -> solver.global(target, margin);
            case EQUAL -> solver.perLayerEqual(target, margin);
            case SENSITIVITY -> {
                SortedMap<Integer, SensitivityCurve> curves = LayerSensitivity.measure(lm, dualSparse, solver, target, margin,
                        sensitivityTokens, window);
                yield solver.sensitivityWeighted(target, margin, curves);
            }
        };
        ThresholdSolver.Prediction prediction = solver.predict(policy);
        double meanThreshold = prediction.perLayer().keySet().stream().mapToDouble(policy::threshold).average().orElseThrow();
        return new Solved(new ReplayedTargets.Solved(setting.method(), target, policy,
                setting.perLayer() == PerLayer.GLOBAL ? "T" : "mean T",
                meanThreshold, prediction.overall()), solver.pairShares(policy));
    }

    /** Whether {@code method}'s knob is solved on recorded routings rather than a profile. */
    static boolean replayed(Method method) {
        return method != Method.ONE_T && method != Method.TWO_T;
    }
}
