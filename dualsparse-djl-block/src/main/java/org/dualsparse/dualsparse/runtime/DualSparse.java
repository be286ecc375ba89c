package org.dualsparse.dualsparse.runtime;

import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import org.dualsparse.dualsparse.partition.NeuronOrder;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * DualSparse-MoE on a loaded model: {@link #apply} replaces every sparse-MoE block by a {@link
 * DualSparseMoeBlock} once; the drop policy and the statistics are then controlled here, for all
 * layers at once, without touching the weights again.
 */
public final class DualSparse {

    /** Where the neuron order of the sub-experts comes from. */
    public enum Reconstruction {
        /** The checkpoint's order. */
        NONE,
        /** The {@code weight} metric, computed from the weights: needs no data. */
        WEIGHT,
        /** A calibration profile's order. */
        PROFILE
    }

    private final DropStats stats = new DropStats();
    private final List<DualSparseMoeBlock> blocks = new ArrayList<>();
    private volatile DropPolicy policy;

    private DualSparse(DropPolicy policy) {
        this.policy = policy;
    }

    /**
     * Partitions the experts of every MoE layer of {@code model} into {@code parts} sub-experts,
     * reordering neurons as {@code reconstruction} says, and drops pairs by {@code policy}.
     *
     * @param profileOrder the neuron order for {@link Reconstruction#PROFILE}, else ignored
     */
    public static DualSparse apply(
            CausalLmBlock model, int parts, Reconstruction reconstruction, NeuronOrder profileOrder, DropPolicy policy) {
        if (reconstruction == Reconstruction.PROFILE && profileOrder == null) {
            throw new IllegalArgumentException("profile reconstruction needs a calibration profile");
        }
        DualSparse dualSparse = new DualSparse(policy);
        MoeBlocks.replaceAll(model, (layer, block) -> dualSparse.partition(layer, block, parts, reconstruction, profileOrder));
        return dualSparse;
    }

    private SparseMoeBlock partition(
            int layer, SparseMoeBlock block, int parts, Reconstruction reconstruction, NeuronOrder profileOrder) {
        if (block instanceof DualSparseMoeBlock) {
            throw new IllegalStateException("layer " + layer + " is already partitioned");
        }
        ExpertWeights original = block.experts();
        NeuronOrder order = switch (reconstruction) {
            case NONE -> null;
            case WEIGHT -> {
                float[][] importance = ExpertPartitioner.weightImportance(original);
                yield (l, e) -> NeuronOrder.byImportance(importance[e]);
            }
            case PROFILE -> profileOrder;
        };
        ExpertWeights partitioned = ExpertPartitioner.partition(
                original, layer, parts, order, original.stackedGateUp().getManager());
        original.clear();
        DualSparseMoeBlock replacement =
                new DualSparseMoeBlock(layer, block.router(), partitioned, block.sharedExpert(), parts, this);
        SharedExpert shared = block.sharedExpert();
        stats.register(layer, new DropStats.LayerShape(
                partitioned.numExperts(), partitioned.intermediateSize(), replacement.majorNeurons(),
                shared == null ? 0 : shared.intermediateSize()));
        blocks.add(replacement);
        return replacement;
    }

    /** The DualSparse state of a model it was applied to (e.g. one loaded through DJL Criteria). */
    public static Optional<DualSparse> of(Block model) {
        if (model instanceof CausalLmBlock lm) {
            for (SparseMoeBlock block : MoeBlocks.of(lm)) {
                if (block instanceof DualSparseMoeBlock dualSparse) {
                    return Optional.of(dualSparse.control());
                }
            }
        }
        return Optional.empty();
    }

    /** The blocks that replaced the model's MoE blocks, in layer order. */
    public List<DualSparseMoeBlock> blocks() {
        return List.copyOf(blocks);
    }

    public DropPolicy policy() {
        return policy;
    }

    /** Switches every layer to {@code policy}, effective from the next forward pass. */
    public void setPolicy(DropPolicy policy) {
        this.policy = policy;
    }

    public DropStats stats() {
        return stats;
    }
}
