package org.dualsparse.dualsparse.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.dualsparse.drop.PairDecision;

/**
 * Counts of what the DualSparse blocks decided and computed, per MoE layer and in total, since
 * the last {@link #reset()}, and the two {@link DropRates} they give: skipped expert-neuron
 * computations over those of the dense model as the policy decided them, and as the kernels that
 * ran skipped them (the neuron-rows each expert's kernels really computed). Safe to update from
 * several threads.
 */
public final class DropStats {

    /**
     * What one layer computes per pair and per token; the one place the drop-rate formula lives.
     *
     * @param majorNeurons neurons a major-only pair computes
     * @param sharedNeurons neurons every token computes in the shared experts (never dropped)
     */
    public record LayerShape(int numExperts, int expertNeurons, int majorNeurons, int sharedNeurons) {

        /** Expert-neuron computations skipped by {@code majorOnly} major-only and {@code dropped} dropped pairs. */
        public double skippedNeurons(double majorOnly, double dropped) {
            return dropped * expertNeurons + majorOnly * (expertNeurons - majorNeurons);
        }

        /** Expert-neuron computations of the dense model on {@code tokens} tokens routed as {@code pairs} pairs. */
        public double denseNeurons(double tokens, double pairs) {
            return pairs * expertNeurons + tokens * sharedNeurons;
        }
    }

    /**
     * One layer's counts.
     *
     * @param computedNeuronRows routed expert-neuron computations the kernels ran: one per neuron
     *     and row of every expert GEMM pass
     */
    public record Layer(int layer, long tokens, long full, long major, long dropped, long computedNeuronRows,
            long[] expertLoads, DropRates rates) {

        public long pairs() {
            return full + major + dropped;
        }
    }

    private final Map<Integer, LayerShape> shapes = new TreeMap<>();
    private final Map<Integer, long[]> counts = new TreeMap<>();
    private final Map<Integer, long[]> loads = new TreeMap<>();

    synchronized void register(int layer, LayerShape shape) {
        shapes.put(layer, shape);
        counts.put(layer, new long[5]);
        loads.put(layer, new long[shape.numExperts()]);
    }

    /** Statistics of the same layers with every count at zero. */
    synchronized DropStats emptyCopy() {
        DropStats copy = new DropStats();
        shapes.forEach(copy::register);
        return copy;
    }

    /** @param computedNeuronRows routed expert-neuron computations the kernels ran for these pairs */
    synchronized void record(int layer, int tokens, long[] experts, byte[] decisions, long computedNeuronRows) {
        long[] c = counts.get(layer);
        long[] l = loads.get(layer);
        c[0] += tokens;
        c[4] += computedNeuronRows;
        for (int p = 0; p < decisions.length; p++) {
            c[1 + (PairDecision.FULL - decisions[p])]++;
            l[(int) experts[p]]++;
        }
    }

    /** The shape of every MoE layer, by layer index. */
    public synchronized Map<Integer, LayerShape> shapes() {
        return Map.copyOf(shapes);
    }

    /** Forgets every count. */
    public synchronized void reset() {
        counts.values().forEach(c -> Arrays.fill(c, 0));
        loads.values().forEach(l -> Arrays.fill(l, 0));
    }

    /** Per MoE layer, in layer order. */
    public synchronized List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
            long[] c = e.getValue();
            out.add(new Layer(e.getKey(), c[0], c[1], c[2], c[3], c[4], loads.get(e.getKey()).clone(),
                    work(shapes.get(e.getKey()), c).rates()));
        }
        return out;
    }

    /** The decision and skipped-work drop rates over every MoE layer. */
    public synchronized DropRates rates() {
        return work().rates();
    }

    /**
     * Skipped and dense expert-neuron computations over every MoE layer: unlike rates, these add
     * up across runs separated by {@link #reset()}.
     */
    public synchronized Work work() {
        Work total = Work.NONE;
        for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
            total = total.plus(work(shapes.get(e.getKey()), e.getValue()));
        }
        return total;
    }

    /**
     * Expert-neuron computations skipped as the policy decided, skipped by the kernels that ran,
     * and those the dense model would have run.
     */
    public record Work(double decidedSkipped, double skippedWork, double dense) {

        public static final Work NONE = new Work(0, 0, 0);

        public Work plus(Work other) {
            return new Work(decidedSkipped + other.decidedSkipped, skippedWork + other.skippedWork, dense + other.dense);
        }

        /** Both skipped counts over dense; 0 when nothing ran. */
        public DropRates rates() {
            return dense == 0 ? DropRates.NONE : new DropRates(decidedSkipped / dense, skippedWork / dense);
        }
    }

    private static Work work(LayerShape s, long[] c) {
        long pairs = c[1] + c[2] + c[3];
        return new Work(s.skippedNeurons(c[2], c[3]), (double) pairs * s.expertNeurons() - c[4], s.denseNeurons(c[0], pairs));
    }
}
