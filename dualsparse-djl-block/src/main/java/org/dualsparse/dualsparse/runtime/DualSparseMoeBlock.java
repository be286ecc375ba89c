package org.dualsparse.dualsparse.runtime;

import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import org.dualsparse.dualsparse.partition.PartitionedExperts;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.dualsparse.moe.PairGrouping;
import org.dualsparse.moe.RoutedCombine;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.WeightMatrix;

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

    private final int layer;
    private final DualSparse control;
    private final PartitionedExperts experts;
    private final int parts;
    private final int majorParts;
    private final int partNeurons;
    private final WeightMatrix[] fullGateUp;
    private final WeightMatrix[] fullDown;
    private final WeightMatrix[] majorGateUp;
    private final WeightMatrix[] majorDown;
    private final WeightMatrix[] minorGateUp;
    private final WeightMatrix[] minorDown;

    DualSparseMoeBlock(int layer, Router router, PartitionedExperts experts, SharedExpert shared, DualSparse control) {
        super(router, experts, shared);
        this.layer = layer;
        this.control = control;
        this.experts = experts;
        this.parts = experts.parts();
        this.majorParts = experts.majorParts();
        this.partNeurons = experts.partNeurons();
        int count = experts.numExperts();
        fullGateUp = new WeightMatrix[count];
        fullDown = new WeightMatrix[count];
        majorGateUp = new WeightMatrix[count];
        majorDown = new WeightMatrix[count];
        minorGateUp = new WeightMatrix[count];
        minorDown = new WeightMatrix[count];
        PartitionedExperts.Span majorRows = experts.majorRows();
        PartitionedExperts.Span majorColumns = experts.majorColumns();
        PartitionedExperts.Span minorRows = experts.minorRows();
        PartitionedExperts.Span minorColumns = experts.minorColumns();
        for (int e = 0; e < count; e++) {
            WeightMatrix gateUp = experts.gateUp(e);
            WeightMatrix down = experts.down(e);
            fullGateUp[e] = gateUp;
            fullDown[e] = down;
            majorGateUp[e] = gateUp.rows(majorRows.from(), majorRows.to());
            majorDown[e] = down.columns(majorColumns.from(), majorColumns.to());
            if (experts.hasMinor()) {
                minorGateUp[e] = gateUp.rows(minorRows.from(), minorRows.to());
                minorDown[e] = down.columns(minorColumns.from(), minorColumns.to());
            }
        }
    }

    public int layer() {
        return layer;
    }

    DualSparse control() {
        return control;
    }

    /** The partitioned experts this block computes with. */
    public PartitionedExperts experts() {
        return experts;
    }

    /** Number of sub-experts per expert. */
    public int parts() {
        return parts;
    }

    @Override
    protected NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing) {
        float[] scores = Scores.normalised(routing);
        byte[] decisions = new byte[scores.length];
        control.policy().decide(layer, routing, scores, decisions);
        if (majorParts == parts) {
            promoteMajorToFull(decisions);
        }
        PairGrouping groups = PairGrouping.of(buckets(routing.experts(), decisions), 2 * experts.numExperts());
        control.stats().record(layer, routing.numTokens(), routing.experts(), decisions, computedNeuronRows(groups));
        MoeObserver observer = control.observer();
        if (observer != null) {
            observer.routed(layer, routing, scores);
        }
        return RoutedCombine.sum(tokens, routing, groups, 2,
                (e, rows) -> expert(e, rows, groups.count(2 * e), groups.count(2 * e + 1), observer));
    }

    /** Routed expert-neuron computations the kernels of {@link #expert} run for {@code groups}. */
    private long computedNeuronRows(PairGrouping groups) {
        long expertNeurons = experts.intermediateSize();
        long computed = 0;
        for (int e = 0; e < experts.numExperts(); e++) {
            int full = groups.count(2 * e);
            int major = groups.count(2 * e + 1);
            computed += onePass(full, major)
                    ? (full + major) * expertNeurons
                    : full * expertNeurons + major * (long) experts.majorNeurons();
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
    private NDArray expert(int e, NDArray rows, int full, int major, MoeObserver observer) {
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
    private NDArray swiGlu(NDArray rows, WeightMatrix gateUp, WeightMatrix down, int count, NDArray mask, MoeObserver observer, int e) {
        long n = rows.getShape().get(0);
        long neurons = (long) count * partNeurons;
        NDArray h = gateUp.timesTransposed(rows).reshape(count, 2, partNeurons, n);
        NDArray gate = h.get(new NDIndex(":, 0"));
        NDArray up = h.get(new NDIndex(":, 1"));
        if (observer != null && count == parts) {
            observer.activations(layer, e, gate.reshape(neurons, n).transpose(), up.reshape(neurons, n).transpose());
        }
        NDArray activations = Scalars.silu(gate).mul(up);
        if (mask != null) {
            activations = activations.mul(mask);
        }
        return down.times(activations.reshape(neurons, n)).transpose();
    }
}
