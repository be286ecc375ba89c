package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Observation;
import org.dualsparse.moe.RoutingObserver;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * Measures a model's calibration profile: runs calibration token sequences, in chunks of a
 * maximum length and each chunk in its own scoped {@link NDManager} without a KV cache, and
 * records per MoE layer the neuron importance of every expert and the distribution of the
 * normalised scores.
 *
 * <pre>{@code
 * try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
 *     Calibrator.attach(lm).run(sequences, ImportanceMetric.DEFAULT, 512, null).save(profileFile);
 * }
 * }</pre>
 */
public final class Calibrator {

    /** Told after every chunk how many of the calibration tokens have run. */
    @FunctionalInterface
    public interface Progress {
        void tokensDone(long done, long total);
    }

    private final MoeLanguageModel lm;
    private final List<GroupedMoeBlock> blocks;
    private final ModelIdentity model;

    private Calibrator(MoeLanguageModel lm, List<GroupedMoeBlock> blocks, ModelIdentity model) {
        this.lm = lm;
        this.blocks = blocks;
        this.model = model;
    }

    /**
     * Prepares to calibrate {@code lm} as loaded: its MoE blocks report every expert's
     * activations while it runs, and nothing in the model changes, so DualSparse can be applied
     * to it afterwards.
     *
     * @throws IllegalArgumentException when {@code lm} has no MoE layer, or DualSparse already
     *     partitioned its experts (a profile is measured on the checkpoint's whole experts)
     */
    public static Calibrator attach(MoeLanguageModel lm) {
        ModelIdentity model = ModelIdentity.of(lm);
        List<SparseMoeBlock> moeBlocks = MoeBlocks.of(lm.block());
        if (moeBlocks.isEmpty()) {
            throw new IllegalArgumentException("model " + model + " has no MoE layer to calibrate");
        }
        List<GroupedMoeBlock> blocks = new ArrayList<>();
        for (SparseMoeBlock block : moeBlocks) {
            if (!(block instanceof GroupedMoeBlock grouped)) {
                throw new IllegalArgumentException("calibration measures the experts as loaded; layer "
                        + block.layer() + " runs a " + block.getClass().getSimpleName());
            }
            blocks.add(grouped);
        }
        return new Calibrator(lm, blocks, model);
    }

    /**
     * Runs {@code sequences} and returns what they measured.
     *
     * @param maxLength the longest forward pass; longer sequences are cut, each piece starting at position 0
     * @param progress told after each chunk, or null
     */
    public CalibrationProfile run(List<long[]> sequences, ImportanceMetric metric, int maxLength, Progress progress) {
        return tally(sequences, metric, maxLength, progress).profile();
    }

    /**
     * Runs {@code sequences} and returns the counts they gave, to add to other parts' counts
     * before they become one profile ({@link CalibrationTally#plus}). Only the calling thread's
     * forward passes are counted, so threads sharing the model can calibrate on different data at
     * once.
     *
     * @param maxLength the longest forward pass; longer sequences are cut, each piece starting at position 0
     * @param progress told after each chunk, or null
     */
    public CalibrationTally tally(List<long[]> sequences, ImportanceMetric metric, int maxLength, Progress progress) {
        return tally(sequences, metric, maxLength, progress, null);
    }

    /**
     * As {@link #tally(List, ImportanceMetric, int, Progress)}, with {@code alongside} (when not
     * null) shown the same forward passes: a routing recorder
     * records the routing trace of the calibration data without running it twice.
     */
    public CalibrationTally tally(
            List<long[]> sequences, ImportanceMetric metric, int maxLength, Progress progress, RoutingObserver alongside) {
        List<long[]> chunks = Chunks.of(lm, sequences, maxLength);
        long total = chunks.stream().mapToLong(c -> c.length).sum();
        CalibrationTally tally = CalibrationTally.empty(model, metric, blocks);
        RoutingObserver counting = new CalibrationObserver(tally);
        RoutingObserver observer = alongside == null ? counting : RoutingObserver.both(counting, alongside);
        try (Observation watch = MoeBlocks.observe(lm.block(), observer)) {
            long done = 0;
            for (long[] chunk : chunks) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    lm.forward(step, new long[][] {chunk}, null, null, true);
                }
                done += chunk.length;
                if (progress != null) {
                    progress.tokensDone(done, total);
                }
            }
        }
        return tally;
    }
}
