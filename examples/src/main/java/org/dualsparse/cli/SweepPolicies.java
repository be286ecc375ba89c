package org.dualsparse.cli;

import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.parallel.ReplayedTargets;

/**
 * The drop policy of each point of a sweep: 1T/2T thresholds from a calibration profile when one
 * is given (as {@code --profile P --drop-rate R} elsewhere), every other knob solved on the
 * routings of calibration text ({@link ReplayedTargets}).
 */
final class SweepPolicies {

    private final ThresholdSolver profile;
    private final ReplayedTargets replay;
    private final double delta;

    /**
     * @param profile the profile's solver, or null
     * @param replay the recorded routings' solver, or null when the profile covers every method
     * @param delta the 2T margin
     */
    SweepPolicies(ThresholdSolver profile, ReplayedTargets replay, double delta) {
        this.profile = profile;
        this.replay = replay;
        this.delta = delta;
    }

    /** Whether {@code method}'s knobs come from a profile rather than recorded routings. */
    static boolean fromProfile(Method method, boolean haveProfile) {
        return haveProfile && (method == Method.ONE_T || method == Method.TWO_T);
    }

    /** {@code method}'s policy for a target drop rate above 0. */
    ReplayedTargets.Solved solve(Method method, double target) {
        if (!fromProfile(method, profile != null)) {
            return replay.solve(method, target);
        }
        double d = method == Method.TWO_T ? delta : 0;
        ThresholdDropPolicy policy = profile.global(target, d);
        return new ReplayedTargets.Solved(method, target, policy, "T", policy.threshold(0), profile.predict(policy).overall());
    }
}
