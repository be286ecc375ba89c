package org.dualsparse.dualsparse.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.drop.ThresholdBisection;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.moe.Routing;

/**
 * Expert parallelism simulated on one machine (README "Expert parallelism (simulated)"): replays recorded
 * routings through a drop policy and counts each simulated device's compute per layer and
 * batch, before and after dropping ({@link DeviceLoads}' units). A layer's modelled latency is
 * that of its most loaded device, summed over batches; its modelled MoE-layer speedup is
 * {@code Σ max_before / Σ max_after}.
 *
 * <p>The routings are replayed as recorded, so a deeper layer sees the routing of the model that
 * produced the trace, not that of a model dropping in the layers above it.
 */
public final class ExpertParallelSimulator {

    /** One layer over every batch; loads are per batch, averaged over batches. */
    public record LayerResult(int layer, int batches, double maxBefore, double maxAfter, double meanBefore, double meanAfter,
            double skippedNeurons, double denseNeurons) {

        public double speedup() {
            return maxBefore / maxAfter;
        }

        public double dropRate() {
            return denseNeurons == 0 ? 0 : skippedNeurons / denseNeurons;
        }
    }

    /** Every MoE layer. */
    public record Result(List<LayerResult> layers) {

        /** The modelled speedup of all MoE layers together: their summed critical-path loads, before over after. */
        public double speedup() {
            return sum(LayerResult::maxBefore) / sum(LayerResult::maxAfter);
        }

        public double dropRate() {
            double dense = sum(LayerResult::denseNeurons);
            return dense == 0 ? 0 : sum(LayerResult::skippedNeurons) / dense;
        }

        private double sum(ToDoubleFunction<LayerResult> value) {
            return layers.stream().mapToDouble(l -> value.applyAsDouble(l) * l.batches()).sum();
        }
    }

    /** Uniform thresholds for a target drop rate against load-aware ones reaching the same realised rate. */
    public record Comparison(ThresholdDropPolicy uniformPolicy, LoadAwareDropPolicy loadAwarePolicy, double threshold,
            double maxThreshold, Result uniform, Result loadAware) {}

    private final List<LayerRouting> batches;
    private final PlacementPlan placement;
    private final Map<Integer, DropStats.LayerShape> shapes;

    /** @param shapes the shape of every layer in {@code batches} (see {@link DropStats#shapes()}) */
    public ExpertParallelSimulator(List<LayerRouting> batches, PlacementPlan placement, Map<Integer, DropStats.LayerShape> shapes) {
        for (LayerRouting batch : batches) {
            DropStats.LayerShape shape = shapes.get(batch.layer());
            if (shape == null) {
                throw new IllegalArgumentException("routing of layer " + batch.layer() + ", which has no MoE block");
            }
            int experts = placement.layer(batch.layer()).numExperts();
            if (experts != shape.numExperts()) {
                throw new IllegalArgumentException("layer " + batch.layer() + " has " + shape.numExperts()
                        + " experts, its placement " + experts);
            }
            for (long e : batch.routing().experts()) {
                if (e < 0 || e >= experts) {
                    throw new IllegalArgumentException("routing of layer " + batch.layer() + " names expert " + e
                            + ", the layer has " + experts);
                }
            }
        }
        this.batches = List.copyOf(batches);
        this.placement = placement;
        this.shapes = Map.copyOf(shapes);
    }

    public Result simulate(DropPolicy policy) {
        Map<Integer, LayerTotals> totals = new TreeMap<>();
        for (LayerRouting batch : batches) {
            Routing routing = batch.routing();
            DropStats.LayerShape shape = shapes.get(batch.layer());
            ExpertPlacement devices = placement.layer(batch.layer());
            float[] scores = Scores.normalised(routing);
            byte[] decisions = new byte[scores.length];
            policy.decide(batch.layer(), routing, scores, decisions);
            DeviceLoads loads = DeviceLoads.count(devices.devices(), devices.assign(routing.experts()), decisions,
                    (double) shape.majorNeurons() / shape.expertNeurons());
            totals.computeIfAbsent(batch.layer(), l -> new LayerTotals()).add(routing, shape, decisions, loads);
        }
        List<LayerResult> layers = new ArrayList<>();
        totals.forEach((layer, t) -> layers.add(t.result(layer)));
        return new Result(layers);
    }

    /** Sums over the batches of one layer. */
    private static final class LayerTotals {
        private int batches;
        private double maxBefore;
        private double maxAfter;
        private double meanBefore;
        private double meanAfter;
        private double skipped;
        private double dense;

        void add(Routing routing, DropStats.LayerShape shape, byte[] decisions, DeviceLoads loads) {
            long major = 0;
            long dropped = 0;
            for (byte d : decisions) {
                major += d == PairDecision.MAJOR ? 1 : 0;
                dropped += d == PairDecision.DROPPED ? 1 : 0;
            }
            batches++;
            maxBefore += DeviceLoads.max(loads.before());
            maxAfter += DeviceLoads.max(loads.after());
            meanBefore += DeviceLoads.mean(loads.before());
            meanAfter += DeviceLoads.mean(loads.after());
            skipped += shape.skippedNeurons(major, dropped);
            dense += shape.denseNeurons(routing.numTokens(), decisions.length);
        }

        LayerResult result(int layer) {
            return new LayerResult(layer, batches, maxBefore / batches, maxAfter / batches, meanBefore / batches,
                    meanAfter / batches, skipped, dense);
        }
    }

    /**
     * Solves one global threshold for {@code targetRate} on these routings, then the load-aware
     * {@code T_max} whose realised drop rate matches the uniform one's: the comparison is at equal
     * work skipped, so any difference in speedup comes from where the drops land.
     */
    public Comparison compare(double targetRate, Margin margin, int topK) {
        double highest = Math.nextDown((float) (1.0 / topK));
        DoubleFunction<ThresholdDropPolicy> uniform = t -> ThresholdDropPolicy.global(t, margin, topK, false);
        DoubleFunction<LoadAwareDropPolicy> loadAware =
                t -> new LoadAwareDropPolicy(uniform.apply(t), placement, majorFraction());
        double threshold = solve(uniform::apply, targetRate, margin.lowestThreshold(), highest, "uniform thresholds");
        ThresholdDropPolicy uniformPolicy = uniform.apply(threshold);
        Result uniformResult = simulate(uniformPolicy);
        double maxThreshold = solve(loadAware::apply, uniformResult.dropRate(), margin.lowestThreshold(), highest, "load-aware thresholds");
        LoadAwareDropPolicy loadAwarePolicy = loadAware.apply(maxThreshold);
        return new Comparison(uniformPolicy, loadAwarePolicy, threshold, maxThreshold, uniformResult, simulate(loadAwarePolicy));
    }

    private double solve(DoubleFunction<DropPolicy> policyAt, double target, double lo, double hi, String what) {
        double threshold = ThresholdBisection.solve(t -> simulate(policyAt.apply(t)).dropRate(), target, lo, hi, 1e-4);
        if (Double.isNaN(threshold)) {
            throw new DropRateUnreachableException(what + " on the simulated routings below 1/K", target,
                    simulate(policyAt.apply(lo)).dropRate(), simulate(policyAt.apply(hi)).dropRate());
        }
        return threshold;
    }

    /** The major fraction shared by every layer; the load-aware policy's loads are in its units. */
    private double majorFraction() {
        double[] fractions = shapes.values().stream()
                .mapToDouble(s -> (double) s.majorNeurons() / s.expertNeurons()).distinct().toArray();
        if (fractions.length != 1) {
            throw new IllegalArgumentException("load-aware thresholds need one major fraction for all layers, got "
                    + Arrays.toString(fractions));
        }
        return fractions[0];
    }
}
