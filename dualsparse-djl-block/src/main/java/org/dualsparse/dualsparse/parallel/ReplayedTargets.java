package org.dualsparse.dualsparse.parallel;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.CapacityDropPolicy;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.EesDropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdBisection;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.drop.TopPDropPolicy;
import org.dualsparse.dualsparse.runtime.DropStats;

/**
 * The knob of each drop method that reaches a target drop rate, solved on recorded routings of
 * the undropped model ({@link RoutingRecorder}) by replaying them: {@code T} for 1T and 2T, {@code
 * β} for EES, the mass {@code p} for top-p routing, {@code γ} for capacity. Each method's drop rate
 * is monotone in its knob, so bisection finds it. Unlike a {@link ThresholdSolver} on a profile,
 * this covers the baselines too, whose rates depend on more of a token's scores than a profile's
 * histograms keep; every method is solved the same way on the same routings, so a comparison is at
 * equal predicted rates. The routings are the undropped model's: a running policy changes the
 * inputs of deeper layers, which then realise a somewhat different rate.
 */
public final class ReplayedTargets {

    /** A small margin that keeps {@code p} and {@code γ} positive at the far end of their ranges. */
    private static final double OPEN_END = 1e-9;
    private static final double TOLERANCE = 1e-4;
    /** Far enough below the bisection's answer, which lies within {@code (hi − lo)/2⁵⁰} of a step, to be on the step below. */
    private static final double BELOW = 1e-12;

    /**
     * A method's policy for a target drop rate.
     *
     * @param knob the name of what was solved: "T", "β", "p", "γ", or "" for no dropping
     * @param value its value
     * @param predictedRate the drop rate replaying the routings with {@code policy} gives
     */
    public record Solved(Method method, double target, DropPolicy policy, String knob, double value, double predictedRate) {}

    private final ExpertParallelSimulator replay;
    private final int topK;
    private final int numExperts;
    private final Margin margin;

    /**
     * @param shapes every MoE layer's shape ({@link DropStats#shapes()} of the model the routings
     *     come from): it fixes what a major-only pair skips
     * @param margin the 2T margin
     */
    public ReplayedTargets(List<LayerRouting> batches, Map<Integer, DropStats.LayerShape> shapes, Margin margin) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no recorded routings to solve drop rates on");
        }
        this.numExperts = shapes.values().iterator().next().numExperts();
        // One simulated device holds every expert: the simulator then only counts the work.
        this.replay = new ExpertParallelSimulator(batches,
                PlacementPlan.uniform(ExpertPlacement.contiguous(numExperts, 1)), shapes);
        this.topK = batches.stream().mapToInt(b -> b.routing().topK()).max().orElseThrow();
        this.margin = margin;
    }

    /** The drop rate of {@code policy} on the recorded routings. */
    public double dropRate(DropPolicy policy) {
        return replay.simulate(policy).dropRate();
    }

    /**
     * {@code method}'s policy whose replayed drop rate is closest to {@code target}: the smallest
     * knob setting that reaches it, or the setting just short of it when that is closer (a rate
     * that moves in steps, as capacity's whole pairs per expert and batch, may not hit the target).
     *
     * @throws DropRateUnreachableException when {@code target} lies outside the rates the knob spans
     *     (2T drops some pairs even at its lowest threshold, {@code T = δ})
     */
    public Solved solve(Method method, double target) {
        double maxThreshold = Math.nextDown((float) (1.0 / topK));
        return switch (method) {
            case NONE -> {
                if (target != 0) {
                    throw new IllegalArgumentException("method none drops nothing; it has no policy for drop rate " + target);
                }
                yield new Solved(method, 0, DropPolicy.NONE, "", 0, 0);
            }
            case ONE_T -> solve(method, target, "T", 0, maxThreshold, t -> t, t -> ThresholdDropPolicy.global(t, 0, topK, false));
            case TWO_T -> solve(method, target, "T", margin.lowestThreshold(), maxThreshold, t -> t,
                    t -> ThresholdDropPolicy.global(t, margin, topK, false));
            case EES -> solve(method, target, "β", 0, 1, b -> b, EesDropPolicy::new);
            // Rates fall as p and γ grow, so the bisection runs on 1 − p and 1 − γ·K/E.
            case TOP_P -> solve(method, target, "p", 0, 1 - OPEN_END, x -> 1 - x, x -> new TopPDropPolicy(1 - x));
            case CAPACITY -> solve(method, target, "γ", 0, 1 - OPEN_END, x -> capacityFactor(x),
                    x -> new CapacityDropPolicy(capacityFactor(x), numExperts));
        };
    }

    /** Bisection on {@code x ∈ [lo, hi]}, the drop rate nondecreasing in {@code x}; {@code knob(x)} is what is reported. */
    private Solved solve(Method method, double target, String name, double lo, double hi, DoubleUnaryOperator knob,
            DoubleFunction<DropPolicy> policyAt) {
        double lowest = dropRate(policyAt.apply(lo));
        double x = ThresholdBisection.solve(v -> dropRate(policyAt.apply(v)), target, lo, hi, TOLERANCE);
        if (Double.isNaN(x) || target < lowest - TOLERANCE) {
            throw new DropRateUnreachableException(method.id() + " on the recorded routings", target, lowest,
                    dropRate(policyAt.apply(hi)));
        }
        double below = Math.max(lo, x - BELOW * (hi - lo));
        double rate = dropRate(policyAt.apply(x));
        if (Math.abs(dropRate(policyAt.apply(below)) - target) < Math.abs(rate - target)) {
            x = below;
        }
        DropPolicy policy = policyAt.apply(x);
        return new Solved(method, target, policy, name, knob.applyAsDouble(x), dropRate(policy));
    }

    /** {@code γ} at {@code x = 1 − γ·K/E}: from {@code E/K}, where no expert can overflow, down towards 0. */
    private double capacityFactor(double x) {
        return (1 - x) * numExperts / topK;
    }
}
