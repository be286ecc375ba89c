package org.dualsparse.dualsparse;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;

/**
 * Turns target drop rates into thresholds from a calibration profile's recorded scores
 * (dualsparse.md section 5). At threshold {@code T} and margin {@code δ} (0 for 1T) a layer
 * drops the pairs scoring below {@code T − δ} and runs the major half of those below {@code T +
 * δ}; the realised drop rate is then {@link DropStats.LayerShape}'s formula over those counts,
 * nondecreasing in {@code T}, so each target is found by bisection on {@code [δ, 1/K)}.
 *
 * <p>Three ways to spend a target rate {@code R}:
 *
 * <ul>
 *   <li>{@link #global}: one {@code T} for every layer, as the paper does;
 *   <li>{@link #perLayerEqual}: each layer's own {@code T_l} so that every layer drops {@code R};
 *   <li>{@link #sensitivityWeighted}: layers that hurt the output less drop more. With {@code
 *       s_l} the next-token KL divergence measured when only layer {@code l} drops at rate
 *       {@code R} ({@link LayerSensitivity}), model layer {@code l}'s cost at rate {@code r} as
 *       {@code s_l · (r/R)²} (a KL divergence grows with the square of a small perturbation).
 *       Minimising {@code Σ_l s_l (r_l/R)²} subject to the overall rate {@code Σ_l d_l r_l / Σ_l
 *       d_l = R}, {@code d_l} the layer's dense work, gives {@code r_l ∝ d_l / s_l}; each {@code
 *       r_l} is clipped to what the layer can reach and the constant is bisected so the overall
 *       rate is {@code R}.
 * </ul>
 *
 * Predictions are on the calibration data. On the same tokens a run realises them exactly in
 * the first MoE layer up to the histogram's resolution; deeper layers see inputs changed by the
 * drops above them, so their realised rates move a little.
 */
public final class ThresholdSolver {

    /** Bisection stops this close to the target rate (0.01 point). */
    private static final double RATE_TOLERANCE = 1e-4;
    private static final int MAX_STEPS = 200;

    private final CalibrationProfile profile;
    private final int parts;
    private final int topK;

    /**
     * @param parts the sub-experts per expert the thresholds will run with: it fixes what a
     *     major-only pair skips (2, halves, for 2T; 1T does not depend on it)
     */
    public ThresholdSolver(CalibrationProfile profile, int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("need at least one sub-expert per expert, got " + parts);
        }
        this.profile = profile;
        this.parts = parts;
        this.topK = profile.layers().stream().mapToInt(LayerProfile::topK).max().orElseThrow();
    }

    /** Drop rates predicted on the calibration data, overall and per MoE layer. */
    public record Prediction(double overall, SortedMap<Integer, Double> perLayer) {}

    /** The largest threshold that keeps every token's top-1 expert: just below {@code 1/K}, K the largest top-K of any layer. */
    public double maxThreshold() {
        return Math.nextDown(1.0 / topK);
    }

    /** The predicted drop rate of {@code policy}. */
    public Prediction predict(ThresholdDropPolicy policy) {
        SortedMap<Integer, Double> perLayer = new TreeMap<>();
        Work total = Work.NONE;
        for (LayerProfile l : profile.layers()) {
            Work work = work(l, policy.threshold(l.layer()), policy.delta());
            perLayer.put(l.layer(), work.rate());
            total = total.plus(work);
        }
        return new Prediction(total.rate(), Collections.unmodifiableSortedMap(perLayer));
    }

    /** The predicted overall drop rate of one threshold for every layer. */
    public double dropRate(double threshold, double delta) {
        Work total = Work.NONE;
        for (LayerProfile l : profile.layers()) {
            total = total.plus(work(l, threshold, delta));
        }
        return total.rate();
    }

    /** One threshold for the whole model giving {@code target} overall. */
    public ThresholdDropPolicy global(double target, double delta) {
        double threshold = solve(t -> dropRate(t, delta), target, delta, "the model");
        return ThresholdDropPolicy.global(threshold, delta, topK, false);
    }

    /** Per-layer thresholds giving every layer {@code target}. */
    public ThresholdDropPolicy perLayerEqual(double target, double delta) {
        double[] rates = new double[profile.layers().size()];
        Arrays.fill(rates, target);
        return perLayer(rates, delta);
    }

    /**
     * Per-layer thresholds that give {@code target} overall, spread by {@code sensitivity} as the
     * class comment derives.
     *
     * @param sensitivity per MoE layer, the cost of dropping {@code target} in that layer alone
     *     (e.g. {@link LayerSensitivity#measure})
     */
    public ThresholdDropPolicy sensitivityWeighted(double target, double delta, Map<Integer, Double> sensitivity) {
        List<LayerProfile> layers = profile.layers();
        int n = layers.size();
        double[] work = new double[n];
        double[] weight = new double[n];
        double[] min = new double[n];
        double[] max = new double[n];
        double maxSensitivity = 0;
        for (int i = 0; i < n; i++) {
            Double s = sensitivity.get(layers.get(i).layer());
            if (s == null || !(s >= 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("need a finite sensitivity ≥ 0 for MoE layer " + layers.get(i).layer()
                        + ", got " + s);
            }
            maxSensitivity = Math.max(maxSensitivity, s);
        }
        // A layer that measured no cost at all is treated as a million times cheaper than the costliest.
        double floor = maxSensitivity > 0 ? 1e-6 * maxSensitivity : 1;
        double totalWork = 0;
        for (int i = 0; i < n; i++) {
            LayerProfile l = layers.get(i);
            work[i] = denseWork(l);
            weight[i] = work[i] / Math.max(sensitivity.get(l.layer()), floor);
            min[i] = layerRate(l, delta, delta);
            max[i] = layerRate(l, maxThreshold(), delta);
            totalWork += work[i];
        }
        double reachableMin = 0;
        double reachableMax = 0;
        double scaleMax = 0;
        for (int i = 0; i < n; i++) {
            reachableMin += work[i] * min[i] / totalWork;
            reachableMax += work[i] * max[i] / totalWork;
            scaleMax = Math.max(scaleMax, max[i] / weight[i]);
        }
        if (target < reachableMin || target > reachableMax) {
            throw new DropRateUnreachableException("the model", target, reachableMin, reachableMax, delta, topK);
        }
        double lo = 0;
        double hi = scaleMax;
        double[] rates = new double[n];
        for (int step = 0; step < MAX_STEPS; step++) {
            double scale = (lo + hi) / 2;
            double overall = 0;
            for (int i = 0; i < n; i++) {
                rates[i] = Math.min(max[i], Math.max(min[i], scale * weight[i]));
                overall += work[i] * rates[i] / totalWork;
            }
            if (Math.abs(overall - target) <= RATE_TOLERANCE / 10) {
                break;
            }
            if (overall < target) {
                lo = scale;
            } else {
                hi = scale;
            }
        }
        return perLayer(rates, delta);
    }

    /** Thresholds giving each MoE layer (in profile order) its {@code rates[i]}. */
    private ThresholdDropPolicy perLayer(double[] rates, double delta) {
        List<LayerProfile> layers = profile.layers();
        double[] thresholds = new double[layers.get(layers.size() - 1).layer() + 1];
        Arrays.fill(thresholds, Double.NaN);
        for (int i = 0; i < layers.size(); i++) {
            LayerProfile l = layers.get(i);
            thresholds[l.layer()] = solve(t -> layerRate(l, t, delta), rates[i], delta, "layer " + l.layer());
        }
        return ThresholdDropPolicy.perLayer(thresholds, delta, topK, false);
    }

    /** The threshold in {@code [δ, 1/K)} at which {@code rate} is {@code target}. */
    private double solve(DoubleUnaryOperator rate, double target, double delta, String where) {
        double lo = delta;
        double hi = maxThreshold();
        if (!(delta >= 0) || delta > hi) {
            throw new IllegalArgumentException("δ = " + delta + " must lie in [0, 1/K = 1/" + topK + ")");
        }
        double rateLo = rate.applyAsDouble(lo);
        double rateHi = rate.applyAsDouble(hi);
        if (target < rateLo - RATE_TOLERANCE || target > rateHi + RATE_TOLERANCE) {
            throw new DropRateUnreachableException(where, target, rateLo, rateHi, delta, topK);
        }
        if (Math.abs(rateLo - target) <= RATE_TOLERANCE) {
            return lo;
        }
        if (Math.abs(rateHi - target) <= RATE_TOLERANCE) {
            return hi;
        }
        for (int step = 0; step < MAX_STEPS; step++) {
            double mid = (lo + hi) / 2;
            double r = rate.applyAsDouble(mid);
            if (Math.abs(r - target) <= RATE_TOLERANCE) {
                return mid;
            }
            if (r < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.abs(rate.applyAsDouble(lo) - target) < Math.abs(rate.applyAsDouble(hi) - target) ? lo : hi;
    }

    private double layerRate(LayerProfile l, double threshold, double delta) {
        return work(l, threshold, delta).rate();
    }

    private Work work(LayerProfile l, double threshold, double delta) {
        double dropped = l.scores().countBelow(threshold - delta);
        double majorOnly = l.scores().countBelow(threshold + delta) - dropped;
        return new Work(l.shape(parts).skippedNeurons(majorOnly, dropped), denseWork(l));
    }

    private double denseWork(LayerProfile l) {
        return l.shape(parts).denseNeurons(l.tokens(), l.scores().total());
    }

    /** Skipped and dense expert-neuron computations. */
    private record Work(double skipped, double dense) {

        static final Work NONE = new Work(0, 0);

        Work plus(Work other) {
            return new Work(skipped + other.skipped, dense + other.dense);
        }

        double rate() {
            return dense == 0 ? 0 : skipped / dense;
        }
    }
}
