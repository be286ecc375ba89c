package org.dualsparse.dualsparse.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import org.dualsparse.dualsparse.partition.PartitionedExperts;
import org.dualsparse.moe.PairGrouping;
import org.dualsparse.moe.RoutedCombine;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.RoutingObserver;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.SwiGluMlp;

/**
 * The DualSparse MoE block: the layer's router untouched, its experts partitioned into {@code P}
 * contiguous sub-experts ({@link ExpertPartitioner}), and every routed pair computed whole, as
 * its major half only, or not at all, as the {@link DropPolicy} decides. Pairs are grouped by
 * expert and decision: dropped pairs run nothing, an expert with only major-only pairs reads only
 * its major sub-experts, and in an expert with both kinds only whole pairs run the minor ones
 * (unless its {@link ExpertKernel} {@linkplain ExpertKernel#masksMixed masks} them instead, which
 * the drop statistics then count as computed). Kept pairs keep their original gate weight; shared
 * experts always run.
 */
public final class DualSparseMoeBlock extends SparseMoeBlock {

    private final DualSparseRuntime control;
    private final PartitionedExperts experts;

    DualSparseMoeBlock(int layer, Router router, PartitionedExperts experts, SharedExpert shared, DualSparseRuntime control) {
        super(layer, router, experts, shared);
        this.control = control;
        this.experts = experts;
    }

    DualSparseRuntime control() {
        return control;
    }

    /** The partitioned experts this block computes with. */
    public PartitionedExperts experts() {
        return experts;
    }

    /** Number of sub-experts per expert. */
    public int parts() {
        return experts.parts();
    }

    @Override
    protected NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing) {
        float[] scores = Scores.normalised(routing);
        byte[] decisions = new byte[scores.length];
        control.policy().decide(layer(), routing, scores, decisions);
        if (!experts.hasMinor()) {
            promoteMajorToFull(decisions);
        }
        PairGrouping groups = PairGrouping.of(buckets(routing.experts(), decisions), 2 * experts.numExperts());
        control.record(layer(), routing.numTokens(), routing.experts(), decisions, computedNeuronRows(groups));
        RoutingObserver observer = observer();
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
            computed += experts.kernel(e).masksMixed(full, major)
                    ? (full + major) * expertNeurons
                    : full * expertNeurons + major * (long) experts.majorNeurons();
        }
        return computed;
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

    /**
     * Expert {@code e} on {@code rows}: the first {@code full} whole, the next {@code major}
     * major-only; only an expert whose rows are all whole shows its activations to {@code observer}.
     */
    private NDArray expert(int e, NDArray rows, int full, int major, RoutingObserver observer) {
        SwiGluMlp.GateUpTap tap = observer == null || major > 0 ? null : (gate, up) -> observer.activations(layer(), e, gate, up);
        return experts.kernel(e).apply(rows, full, tap);
    }
}
