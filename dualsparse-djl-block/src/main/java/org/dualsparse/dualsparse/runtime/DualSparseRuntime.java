package org.dualsparse.dualsparse.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import org.dualsparse.dualsparse.partition.NeuronOrder;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.PartitionedExperts;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * DualSparse-MoE on a loaded model: {@link #apply} replaces every sparse-MoE block by a {@link
 * DualSparseMoeBlock} once; the drop policy and the statistics are then
 * controlled here, for all layers at once, without touching the weights again. A policy for a
 * block of code is installed with {@link #using}, a fresh statistics window opened with {@link
 * #measuring}; both undo themselves on close.
 */
public final class DualSparseRuntime {

    private final DropStats stats = new DropStats();
    private final Map<Thread, DropStats> threadStats = new ConcurrentHashMap<>();
    private final List<DualSparseMoeBlock> blocks = new ArrayList<>();
    private volatile DropPolicy policy;

    private DualSparseRuntime(DropPolicy policy) {
        this.policy = policy;
    }

    /**
     * Partitions the experts of every MoE layer of {@code model} as {@code partition} says,
     * reordering neurons as {@code reconstruction} says, and drops pairs by {@code policy}.
     *
     * @param profileOrder the neuron order for {@link Reconstruction#PROFILE}, else ignored
     */
    public static DualSparseRuntime apply(
            CausalLmBlock model, Partition partition, Reconstruction reconstruction, NeuronOrder profileOrder, DropPolicy policy) {
        if (reconstruction == Reconstruction.PROFILE && profileOrder == null) {
            throw new IllegalArgumentException("profile reconstruction needs a calibration profile");
        }
        DualSparseRuntime dualSparse = new DualSparseRuntime(policy);
        NDManager manager = model.weightManager();
        MoeBlocks.replaceAll(model, (layer, block) -> dualSparse.partition(layer, block, partition, reconstruction, profileOrder, manager));
        return dualSparse;
    }

    private SparseMoeBlock partition(
            int layer, SparseMoeBlock block, Partition partition, Reconstruction reconstruction, NeuronOrder profileOrder,
            NDManager manager) {
        if (block instanceof DualSparseMoeBlock) {
            throw new IllegalStateException("layer " + layer + " is already partitioned");
        }
        if (!(block instanceof GroupedMoeBlock dense)) {
            throw new IllegalStateException("layer " + layer + " runs a " + block.getClass().getSimpleName()
                    + ", not the dense " + GroupedMoeBlock.class.getSimpleName() + " that DualSparse partitions");
        }
        ExpertWeights original = dense.experts();
        NeuronOrder order = switch (reconstruction) {
            case NONE -> null;
            case WEIGHT -> {
                float[][] importance = ExpertPartitioner.weightImportance(original, manager);
                yield (l, e) -> NeuronOrder.byImportance(importance[e]);
            }
            case PROFILE -> profileOrder;
        };
        PartitionedExperts partitioned = ExpertPartitioner.partition(original, layer, partition, order, manager);
        original.clear();
        DualSparseMoeBlock replacement =
                new DualSparseMoeBlock(layer, block.router(), partitioned, block.sharedExpert(), this);
        SharedExpert shared = block.sharedExpert();
        stats.register(layer, new DropStats.LayerShape(
                partitioned.numExperts(), partitioned.intermediateSize(), partitioned.majorNeurons(),
                shared == null ? 0 : shared.intermediateSize()));
        blocks.add(replacement);
        return replacement;
    }

    /** The DualSparse state of a model it was applied to (e.g. one loaded through DJL Criteria). */
    public static Optional<DualSparseRuntime> of(Block model) {
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

    /**
     * Switches every layer to {@code policy} until the returned scope closes, which puts back the
     * policy it replaced, also when the body throws: {@code try (var scope = runtime.using(policy))
     * {...}}. Scopes nest.
     */
    public PolicyScope using(DropPolicy policy) {
        PolicyScope scope = new PolicyScope(this.policy);
        this.policy = policy;
        return scope;
    }

    /** What {@link #using} installed: closing it puts back the policy it replaced. */
    public final class PolicyScope implements AutoCloseable {

        private final DropPolicy previous;

        private PolicyScope(DropPolicy previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            policy = previous;
        }
    }

    public DropStats stats() {
        return stats;
    }

    /**
     * Resets the drop statistics, which then count the forward passes until the returned window
     * closes; closing it resets them again, so what was measured inside does not show outside.
     * Windows do not nest: any window's opening or closing starts the counts afresh.
     */
    public StatsWindow measuring() {
        stats.reset();
        return new StatsWindow(stats, stats::reset);
    }

    /**
     * Opens statistics that count only the forward passes the calling thread runs until the
     * returned window closes, beside the model's own (which go on counting every thread), so that
     * threads sharing one model each see their own drop rates.
     *
     * @throws IllegalStateException when the calling thread already has such a window open
     */
    public StatsWindow measuringThisThread() {
        Thread thread = Thread.currentThread();
        DropStats own = stats.emptyCopy();
        if (threadStats.putIfAbsent(thread, own) != null) {
            throw new IllegalStateException("thread " + thread.getName() + " already measures its own drop statistics");
        }
        return new StatsWindow(own, () -> threadStats.remove(thread, own));
    }

    /** Counts one layer's decisions in the model's statistics and in the calling thread's, if it measures its own. */
    void record(int layer, int tokens, long[] experts, byte[] decisions, long computedNeuronRows) {
        stats.record(layer, tokens, experts, decisions, computedNeuronRows);
        if (!threadStats.isEmpty()) {
            DropStats own = threadStats.get(Thread.currentThread());
            if (own != null) {
                own.record(layer, tokens, experts, decisions, computedNeuronRows);
            }
        }
    }
}
