package org.dualsparse.dualsparse.calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DropStats;

/**
 * Turns target drop rates into thresholds from a calibration profile's recorded scores
 * (README "Calibration"). At threshold {@code T} and {@link Margin} {@code δ} (none for 1T,
 * fixed or {@code ρ·T}) a layer drops the pairs scoring below {@code T − δ} and runs the major
 * part of those below {@code T + δ}; the drop rate is then {@link DropStats.LayerShape}'s formula
 * over those counts, nondecreasing in {@code T} (for a relative margin too: both edges rise with
 * {@code T}), so each target is found by bisection from the margin's lowest threshold ({@code δ},
 * or 0) to below {@code 1/K}. Every
 * rate here is the decision drop rate ({@link DropRates#decision()}): what the kernels skip
 * depends on how a batch's pairs group per expert, which a profile does not record.
 *
 * <p>Three ways to spend a target rate {@code R}:
 *
 * <ul>
 *   <li>{@link #global}: one {@code T} for every layer, as the paper does;
 *   <li>{@link #perLayerEqual}: each layer's own {@code T_l} so that every layer drops {@code R};
 *   <li>{@link #sensitivityWeighted}: the split across layers that costs least by each layer's
 *       measured cost curve, the next-token KL divergence when only that layer drops, at a few
 *       rates around {@code R} ({@link LayerSensitivity}). Costs are modelled as adding up over
 *       layers and convex in the rate (each curve's lower convex envelope), which makes the
 *       cheapest split a greedy one: every layer starts at its lowest measured rate and the
 *       rest of the budget goes to the envelope segments with the least KL per unit of dense
 *       work first. Splitting {@code R} equally is one of the splits it weighs.
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
    private final Partition partition;
    private final int topK;

    /**
     * @param partition the split the thresholds will run with: it fixes what a major-only pair
     *     skips (1T does not depend on it)
     */
    public ThresholdSolver(CalibrationProfile profile, Partition partition) {
        this.profile = profile;
        this.partition = partition;
        this.topK = profile.layers().stream().mapToInt(LayerProfile::topK).max().orElseThrow();
    }

    /** Decision drop rates predicted on the calibration data, overall and per MoE layer. */
    public record Prediction(double overall, SortedMap<Integer, Double> perLayer) {}

    /** The largest threshold that keeps every token's top-1 expert: just below {@code 1/K}, K the largest top-K of any layer. */
    public double maxThreshold() {
        // A float, since the policy keeps its thresholds as floats: the largest one below 1/K.
        float threshold = (float) (1.0 / topK);
        return threshold < 1.0 / topK ? threshold : Math.nextDown(threshold);
    }

    /** The predicted drop rate of {@code policy}. */
    public Prediction predict(ThresholdDropPolicy policy) {
        SortedMap<Integer, Double> perLayer = new TreeMap<>();
        Work total = Work.NONE;
        for (LayerProfile l : profile.layers()) {
            Work work = work(l, policy.threshold(l.layer()), policy.margin());
            perLayer.put(l.layer(), work.rate());
            total = total.plus(work);
        }
        return new Prediction(total.rate(), Collections.unmodifiableSortedMap(perLayer));
    }

    /**
     * How {@code policy} splits the routed pairs of the calibration data: the shares it drops and
     * runs major-only (those scoring in the band {@code [T − δ, T + δ)}), overall and per MoE layer.
     */
    public record PairShares(double dropped, double majorOnly, SortedMap<Integer, double[]> perLayer) {}

    /** The pair shares of {@code policy} on the calibration data; per layer as {@code {dropped, majorOnly}}. */
    public PairShares pairShares(ThresholdDropPolicy policy) {
        SortedMap<Integer, double[]> perLayer = new TreeMap<>();
        double dropped = 0;
        double majorOnly = 0;
        double pairs = 0;
        for (LayerProfile l : profile.layers()) {
            double t = policy.threshold(l.layer());
            double delta = policy.margin().at(t);
            double below = l.scores().countBelow(t - delta);
            double band = l.scores().countBelow(t + delta) - below;
            double total = l.scores().total();
            perLayer.put(l.layer(), new double[] {total == 0 ? 0 : below / total, total == 0 ? 0 : band / total});
            dropped += below;
            majorOnly += band;
            pairs += total;
        }
        return new PairShares(pairs == 0 ? 0 : dropped / pairs, pairs == 0 ? 0 : majorOnly / pairs,
                Collections.unmodifiableSortedMap(perLayer));
    }

    /** The predicted overall drop rate of one threshold for every layer. */
    public double dropRate(double threshold, Margin margin) {
        Work total = Work.NONE;
        for (LayerProfile l : profile.layers()) {
            total = total.plus(work(l, threshold, margin));
        }
        return total.rate();
    }

    /** One threshold for the whole model giving {@code target} overall. */
    public ThresholdDropPolicy global(double target, Margin margin) {
        double threshold = solve(t -> dropRate(t, margin), target, margin, "the model");
        return ThresholdDropPolicy.global(threshold, margin, topK, false);
    }

    /** Per-layer thresholds giving every layer {@code target}. */
    public ThresholdDropPolicy perLayerEqual(double target, Margin margin) {
        Map<Integer, Double> rates = new TreeMap<>();
        for (LayerProfile l : profile.layers()) {
            rates.put(l.layer(), target);
        }
        return perLayer(rates, margin);
    }

    /**
     * Per-layer thresholds giving each layer in {@code rates} its rate; a layer left out gets
     * none (NaN), so the policy must not be asked about it.
     */
    public ThresholdDropPolicy perLayer(Map<Integer, Double> rates, Margin margin) {
        double[] thresholds = new double[profile.layers().get(profile.layers().size() - 1).layer() + 1];
        Arrays.fill(thresholds, Double.NaN);
        rates.forEach((layer, rate) -> {
            LayerProfile l = profile.layer(layer);
            thresholds[layer] = solve(t -> layerRate(l, t, margin), rate, margin, "layer " + layer);
        });
        return ThresholdDropPolicy.perLayer(thresholds, margin, topK, false);
    }

    /** The smallest drop rate of layer {@code layer}: at its lowest threshold ({@link Margin#lowestThreshold()}). */
    public double minRate(int layer, Margin margin) {
        return layerRate(profile.layer(layer), margin.lowestThreshold(), margin);
    }

    /** The largest drop rate of layer {@code layer} below {@code T = 1/K}. */
    public double maxRate(int layer, Margin margin) {
        return layerRate(profile.layer(layer), maxThreshold(), margin);
    }

    /**
     * Per-layer thresholds that give {@code target} overall at the least total cost by each
     * layer's measured cost curve, as the class comment describes.
     *
     * @param curves per MoE layer, from {@link LayerSensitivity#measure}
     */
    public ThresholdDropPolicy sensitivityWeighted(double target, Margin margin, Map<Integer, SensitivityCurve> curves) {
        record Segment(int layer, double from, double to, double costPerWork) {}
        Map<Integer, Double> rates = new TreeMap<>();
        List<Segment> segments = new ArrayList<>();
        double totalWork = 0;
        double lowest = 0;
        double highest = 0;
        for (LayerProfile l : profile.layers()) {
            SensitivityCurve curve = curves.get(l.layer());
            if (curve == null) {
                throw new IllegalArgumentException("no sensitivity curve for MoE layer " + l.layer());
            }
            double work = denseWork(l);
            double[] r = curve.rates();
            double[] kl = curve.kl();
            int[] envelope = curve.convexEnvelope();
            rates.put(l.layer(), r[envelope[0]]);
            for (int j = 1; j < envelope.length; j++) {
                int a = envelope[j - 1];
                int b = envelope[j];
                segments.add(new Segment(l.layer(), r[a], r[b], (kl[b] - kl[a]) / ((r[b] - r[a]) * work)));
            }
            totalWork += work;
            lowest += work * r[envelope[0]];
            highest += work * r[envelope[envelope.length - 1]];
        }
        if (target < lowest / totalWork - RATE_TOLERANCE || target > highest / totalWork + RATE_TOLERANCE) {
            throw new DropRateUnreachableException("the model within the rates its sensitivity curves span", target,
                    lowest / totalWork, highest / totalWork);
        }
        double budget = Math.min(highest, Math.max(lowest, target * totalWork)) - lowest;
        segments.sort(Comparator.comparingDouble(Segment::costPerWork));
        for (Segment segment : segments) {
            double work = denseWork(profile.layer(segment.layer()));
            double step = Math.min(segment.to() - segment.from(), budget / work);
            rates.merge(segment.layer(), step, Double::sum);
            budget -= step * work;
        }
        return perLayer(rates, margin);
    }

    /** The threshold from the margin's lowest to below {@code 1/K} at which {@code rate} is {@code target}. */
    private double solve(DoubleUnaryOperator rate, double target, Margin margin, String where) {
        double lo = margin.lowestThreshold();
        double hi = maxThreshold();
        if (lo > hi) {
            throw new IllegalArgumentException("δ = " + margin + " must lie in [0, 1/K = 1/" + topK + ")");
        }
        double rateLo = rate.applyAsDouble(lo);
        double rateHi = rate.applyAsDouble(hi);
        if (target < rateLo - RATE_TOLERANCE || target > rateHi + RATE_TOLERANCE) {
            throw new DropRateUnreachableException(
                    where + " with thresholds from " + lo + " (δ = " + margin + ") to below 1/K = 1/" + topK, target, rateLo, rateHi);
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

    private double layerRate(LayerProfile l, double threshold, Margin margin) {
        return work(l, threshold, margin).rate();
    }

    /** Expert-neuron computations the policy decides to skip, and those of the dense model. */
    private record Work(double skipped, double dense) {

        static final Work NONE = new Work(0, 0);

        Work plus(Work other) {
            return new Work(skipped + other.skipped, dense + other.dense);
        }

        double rate() {
            return dense == 0 ? 0 : skipped / dense;
        }
    }

    private Work work(LayerProfile l, double threshold, Margin margin) {
        double delta = margin.at(threshold);
        double dropped = l.scores().countBelow(threshold - delta);
        double majorOnly = l.scores().countBelow(threshold + delta) - dropped;
        return new Work(l.shape(partition).skippedNeurons(majorOnly, dropped), denseWork(l));
    }

    private double denseWork(LayerProfile l) {
        return l.shape(partition).denseNeurons(l.tokens(), l.scores().total());
    }
}
