package org.dualsparse.dualsparse.calibration;

import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Measures a model's calibration profile: runs calibration token sequences, in chunks of a
 * maximum length and each chunk in its own scoped {@link NDManager} without a KV cache, and
 * records per MoE layer the neuron importance of every expert and the distribution of the
 * normalised scores.
 *
 * <pre>{@code
 * try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
 *     Calibrator.attach(lm).run(sequences, ImportanceMetric.ABS_GATE, 512, null).save(profileFile);
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
    private final DualSparseRuntime dualSparse;
    private final ModelIdentity model;

    private Calibrator(MoeLanguageModel lm, DualSparseRuntime dualSparse, ModelIdentity model) {
        this.lm = lm;
        this.dualSparse = dualSparse;
        this.model = model;
    }

    /**
     * Prepares {@code lm} for calibration: {@link DualSparseRuntime#apply} with one sub-expert per
     * expert, the checkpoint's neuron order and nothing dropped, so it still computes the
     * original model while its blocks report every expert's activations. DualSparse cannot be
     * applied to {@code lm} again: load the model afresh to deploy the profile.
     */
    public static Calibrator attach(MoeLanguageModel lm) {
        ModelIdentity model = ModelIdentity.of(lm);
        DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), 1, Reconstruction.NONE, null, DropPolicy.NONE);
        if (dualSparse.blocks().isEmpty()) {
            throw new IllegalArgumentException("model " + model + " has no MoE layer to calibrate");
        }
        return new Calibrator(lm, dualSparse, model);
    }

    /**
     * Runs {@code sequences} and returns what they measured.
     *
     * @param maxLength the longest forward pass; longer sequences are cut, each piece starting at position 0
     * @param progress told after each chunk, or null
     */
    public CalibrationProfile run(List<long[]> sequences, ImportanceMetric metric, int maxLength, Progress progress) {
        List<long[]> chunks = Chunks.of(lm, sequences, maxLength);
        long total = chunks.stream().mapToLong(c -> c.length).sum();
        CalibrationObserver observer = new CalibrationObserver(metric, dualSparse.blocks());
        dualSparse.setObserver(observer);
        try {
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
        } finally {
            dualSparse.setObserver(null);
        }
        return new CalibrationProfile(model, metric, observer.tokens(), observer.layers());
    }
}
