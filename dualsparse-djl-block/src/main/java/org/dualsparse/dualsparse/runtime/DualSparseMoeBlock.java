package org.dualsparse.dualsparse.runtime;

import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.PairGrouping;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.RoutingObserver;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.WeightProduct;

/**
 * The DualSparse MoE block: the layer's router untouched, its experts partitioned into {@code P}
 * contiguous sub-experts ({@link ExpertPartitioner}), and every routed pair computed whole, as
 * its major half only, or not at all, as the {@link DropPolicy} decides. Pairs are grouped by
 * expert and decision: dropped pairs run nothing, an expert with only major-only pairs reads only
 * its major sub-experts, and in an expert with both kinds only whole pairs run the minor ones,
 * except below {@link #MIXED_SPLIT_ROWS} rows, where the minor activations of major-only rows are
 * masked instead: the same weights read in fewer, larger calls. Kept pairs keep their original
 * gate weight; shared experts always run.
 */
public final class DualSparseMoeBlock extends SparseMoeBlock {

    /**
     * Rows of one expert below which a mix of whole and major-only pairs runs as one whole-expert
     * pass, the minor activations of the major-only rows zeroed. With few rows an expert's GEMMs
     * are bound by reading its weights, which either way are read once, so one pass wins on calls
     * and GEMM size; from about 64 rows they are compute-bound ({@code bench kernels}: ~70% of the
     * GEMM peak) and skipping the minor neurons of major-only rows saves time. {@link DropStats}
     * counts the masked minor neurons as computed, so its skipped-work rate falls below the
     * decision rate wherever this applies.
     */
    public static final int MIXED_SPLIT_ROWS = 64;

    private final DualSparse control;
    private final int parts;
    private final int majorParts;
    private final int partNeurons;
    private final NDArray[] fullGateUp;
    private final NDArray[] fullDown;
    private final NDArray[] majorGateUp;
    private final NDArray[] majorDown;
    private final NDArray[] minorGateUp;
    private final NDArray[] minorDown;

    DualSparseMoeBlock(int layer, Router router, ExpertWeights partitioned, SharedExpert shared, int parts, DualSparse control) {
        super(layer, router, partitioned, shared);
        this.control = control;
        this.parts = parts;
        this.majorParts = majorParts(parts);
        this.partNeurons = partitioned.intermediateSize() / parts;
        int experts = partitioned.numExperts();
        fullGateUp = new NDArray[experts];
        fullDown = new NDArray[experts];
        majorGateUp = new NDArray[experts];
        majorDown = new NDArray[experts];
        minorGateUp = new NDArray[experts];
        minorDown = new NDArray[experts];
        for (int e = 0; e < experts; e++) {
            NDArray gateUp = partitioned.gateUp(e);
            NDArray down = partitioned.down(e);
            fullGateUp[e] = gateUp;
            fullDown[e] = down;
            int majorRows = 2 * majorParts * partNeurons;
            majorGateUp[e] = gateUp.get(new NDIndex("0:{}", majorRows));
            majorDown[e] = down.get(new NDIndex(":, 0:{}", majorParts * partNeurons));
            if (majorParts < parts) {
                minorGateUp[e] = gateUp.get(new NDIndex("{}:", majorRows));
                minorDown[e] = down.get(new NDIndex(":, {}:", majorParts * partNeurons));
            }
        }
    }

    DualSparse control() {
        return control;
    }

    /** Number of sub-experts per expert. */
    public int parts() {
        return parts;
    }

    /** Neurons a major-only pair computes. */
    public int majorNeurons() {
        return majorParts * partNeurons;
    }

    /**
     * Neurons a major-only pair computes when {@code neurons} are split into {@code parts}
     * sub-experts: the first half of the sub-experts, or the whole expert when there is one.
     */
    public static int majorNeurons(int neurons, int parts) {
        return majorParts(parts) * (neurons / parts);
    }

    private static int majorParts(int parts) {
        return Math.max(1, parts / 2);
    }

    @Override
    protected NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing) {
        float[] scores = Scores.normalised(routing);
        byte[] decisions = new byte[scores.length];
        control.policy().decide(layer(), routing, scores, decisions);
        if (majorParts == parts) {
            promoteMajorToFull(decisions);
        }
        PairGrouping groups = PairGrouping.of(buckets(routing.experts(), decisions), 2 * experts().numExperts());
        control.stats().record(layer(), routing.numTokens(), routing.experts(), decisions, computedNeuronRows(groups));
        return combine(tokens, routing, groups, observer());
    }

    /** Routed expert-neuron computations the kernels of {@link #expert} run for {@code groups}. */
    private long computedNeuronRows(PairGrouping groups) {
        long expertNeurons = (long) parts * partNeurons;
        long computed = 0;
        for (int e = 0; e < experts().numExperts(); e++) {
            int full = groups.count(2 * e);
            int major = groups.count(2 * e + 1);
            computed += onePass(full, major)
                    ? (full + major) * expertNeurons
                    : full * expertNeurons + major * (long) majorNeurons();
        }
        return computed;
    }

    /** Whether an expert with {@code full} whole and {@code major} major-only rows runs as one whole-expert pass. */
    static boolean onePass(int full, int major) {
        return full > 0 && major > 0 && full + major < MIXED_SPLIT_ROWS;
    }

    /** With one sub-expert there is no major half: a major-only pair computes the whole expert. */
    private static void promoteMajorToFull(byte[] decisions) {
        for (int p = 0; p < decisions.length; p++) {
            if (decisions[p] == PairDecision.MAJOR) {
                decisions[p] = PairDecision.FULL;
            }
        }
    }

    private NDArray combine(NDArray tokens, Routing routing, PairGrouping groups, RoutingObserver observer) {
        NDManager step = tokens.getManager();
        int experts = experts().numExperts();
        long hidden = tokens.getShape().get(1);
        NDList outputs = new NDList();
        if (groups.kept() > 0) {
            NDArray grouped = tokens.get(step.create(groups.tokens(routing.topK())));
            for (int e = 0; e < experts; e++) {
                int full = groups.count(2 * e);
                int major = groups.count(2 * e + 1);
                if (full + major == 0) {
                    continue;
                }
                NDArray rows = grouped.get(new NDIndex("{}:{}", groups.start(2 * e), groups.start(2 * e) + full + major));
                outputs.add(expert(e, rows, full, major, observer));
            }
        }
        NDArray dropped = step.zeros(new Shape(1, hidden));
        NDArray computed = outputs.isEmpty() ? dropped : NDArrays.concat(outputs, 0);
        if (!outputs.isEmpty()) {
            NDArray weights = routing.weights().reshape(-1).get(step.create(groups.order()));
            computed = NDArrays.concat(new NDList(computed.mul(weights.expandDims(1)), dropped), 0);
        }
        return computed.get(step.create(groups.inverse()))
                .reshape(routing.numTokens(), routing.topK(), hidden)
                .sum(new int[] {1});
    }

    /** Bucket {@code 2e} for whole pairs of expert {@code e}, {@code 2e + 1} for major-only ones, -1 dropped. */
    private static int[] buckets(long[] experts, byte[] decisions) {
        int[] buckets = new int[experts.length];
        for (int p = 0; p < experts.length; p++) {
            buckets[p] = switch (decisions[p]) {
                case PairDecision.FULL -> 2 * (int) experts[p];
                case PairDecision.MAJOR -> 2 * (int) experts[p] + 1;
                default -> -1;
            };
        }
        return buckets;
    }

    /** Expert {@code e} on {@code rows}: the first {@code full} whole, the next {@code major} major-only. */
    private NDArray expert(int e, NDArray rows, int full, int major, RoutingObserver observer) {
        if (major == 0) {
            return swiGlu(rows, fullGateUp[e], fullDown[e], parts, null, observer, e);
        }
        if (full == 0) {
            return swiGlu(rows, majorGateUp[e], majorDown[e], majorParts, null, null, e);
        }
        if (onePass(full, major)) {
            return swiGlu(rows, fullGateUp[e], fullDown[e], parts, minorMask(rows.getManager(), full, major), null, e);
        }
        NDArray majorOut = swiGlu(rows, majorGateUp[e], majorDown[e], majorParts, null, null, e);
        NDArray minorOut = swiGlu(rows.get(new NDIndex("0:{}", full)), minorGateUp[e], minorDown[e], parts - majorParts, null, null, e);
        NDArray wholeRows = majorOut.get(new NDIndex("0:{}", full)).add(minorOut);
        return NDArrays.concat(new NDList(wholeRows, majorOut.get(new NDIndex("{}:", full))), 0);
    }

    /** {@code [parts, 1, n]}: 1, but 0 for the minor sub-experts of the {@code major} rows after the {@code full} ones. */
    private NDArray minorMask(NDManager step, int full, int major) {
        int n = full + major;
        float[] mask = new float[parts * n];
        for (int p = 0; p < parts; p++) {
            for (int row = 0; row < n; row++) {
                mask[p * n + row] = p < majorParts || row < full ? 1 : 0;
            }
        }
        return step.create(mask, new Shape(parts, 1, n));
    }

    /**
     * SwiGLU over {@code count} consecutive sub-experts laid out {@code [gate_p; up_p]} each,
     * tokens as columns like {@link org.dualsparse.nn.SwiGluMlp#apply}; {@code mask}, when
     * given, multiplies the {@code [count, neurons/count, n]} activations.
     */
    private NDArray swiGlu(NDArray rows, NDArray gateUp, NDArray down, int count, NDArray mask, RoutingObserver observer, int e) {
        long n = rows.getShape().get(0);
        long neurons = (long) count * partNeurons;
        NDArray h = WeightProduct.of(gateUp, rows.transpose()).reshape(count, 2, partNeurons, n);
        NDArray gate = h.get(new NDIndex(":, 0"));
        NDArray up = h.get(new NDIndex(":, 1"));
        if (observer != null && count == parts) {
            observer.activations(layer(), e, gate.reshape(neurons, n).transpose(), up.reshape(neurons, n).transpose());
        }
        NDArray activations = Scalars.silu(gate).mul(up);
        if (mask != null) {
            activations = activations.mul(mask);
        }
        return WeightProduct.ofActivations(down, activations.reshape(neurons, n)).transpose();
    }
}
