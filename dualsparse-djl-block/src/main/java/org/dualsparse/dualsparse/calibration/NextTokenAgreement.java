package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.model.MoeLanguageModel;

/**
 * How closely dropping models follow the undropped one on the same tokens: the mean next-token
 * KL divergence {@code KL(p_dense ‖ p_dropped)} and the share of positions whose most likely
 * next token is the same, over every position. One loaded model serves as both: each chunk runs
 * once with {@link DropPolicy#NONE} (the partitioned model then equals the original one), then
 * once per dropping policy.
 */
public final class NextTokenAgreement {

    /**
     * @param dropRates the drop rates of the policy's own passes (the undropped reference passes
     *     left out)
     */
    public record Score(double kl, double top1Agreement, DropRates dropRates) {}

    private NextTokenAgreement() {}

    /**
     * One score per policy, on {@code sequences} cut into forward passes of at most {@code
     * maxLength} tokens. Restores the drop policy afterwards and resets the drop statistics.
     *
     * @param progress told after each chunk, or null
     */
    public static List<Score> measure(MoeLanguageModel lm, DualSparseRuntime dualSparse, List<long[]> sequences, int maxLength,
            List<DropPolicy> policies, Calibrator.Progress progress) {
        return measure(lm, dualSparse, null, sequences, maxLength, policies, progress);
    }

    /**
     * {@link #measure(MoeLanguageModel, DualSparseRuntime, List, int, List, Calibrator.Progress)}
     * against {@code reference}, another model of the same checkpoint (e.g. float32 libtorch for
     * a quantized {@code lm}), or against {@code lm} itself undropped when null: the score then
     * counts what the weight format and the dropping cost together.
     */
    public static List<Score> measure(MoeLanguageModel lm, DualSparseRuntime dualSparse, MoeLanguageModel reference,
            List<long[]> sequences, int maxLength, List<DropPolicy> policies, Calibrator.Progress progress) {
        double[] kl = new double[policies.size()];
        long[] agreeing = new long[policies.size()];
        DropStats.Work[] work = new DropStats.Work[policies.size()];
        Arrays.fill(work, DropStats.Work.NONE);
        List<long[]> chunks = Chunks.of(lm, sequences, maxLength);
        long total = chunks.stream().mapToLong(c -> c.length).sum();
        long positions = 0;
        try (DualSparseRuntime.PolicyScope undropped = dualSparse.using(DropPolicy.NONE);
                StatsWindow measurement = dualSparse.measuring()) {
            for (long[] chunk : chunks) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    NDArray dense = logProbabilities(reference == null ? lm : reference, step, chunk);
                    NDArray denseTop = dense.argMax(-1);
                    for (int i = 0; i < policies.size(); i++) {
                        try (DualSparseRuntime.PolicyScope dropping = dualSparse.using(policies.get(i));
                                StatsWindow pass = dualSparse.measuring();
                                NDManager passManager = step.newSubManager()) {
                            NDArray dropped = logProbabilities(lm, passManager, chunk);
                            kl[i] += dense.sub(dropped).mul(dense.exp()).sum().getFloat();
                            agreeing[i] += denseTop.eq(dropped.argMax(-1)).countNonzero().getLong();
                            work[i] = work[i].plus(pass.stats().work());
                        }
                    }
                }
                positions += chunk.length;
                if (progress != null) {
                    progress.tokensDone(positions, total);
                }
            }
        }
        List<Score> scores = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            scores.add(new Score(Math.max(0, kl[i] / positions), (double) agreeing[i] / positions, work[i].rates()));
        }
        return scores;
    }

    private static NDArray logProbabilities(MoeLanguageModel lm, NDManager manager, long[] chunk) {
        return lm.forward(manager, new long[][] {chunk}, null, null, false).logSoftmax(-1);
    }
}
