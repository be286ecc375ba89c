package org.dualsparse.dualsparse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;

/**
 * How closely dropping models follow the undropped one on the same tokens: the mean next-token
 * KL divergence {@code KL(p_dense ‖ p_dropped)} and the share of positions whose most likely
 * next token is the same, over every position.
 */
public final class NextTokenAgreement {

    public record Score(double kl, double top1Agreement) {}

    private NextTokenAgreement() {}

    /**
     * One score per policy, on {@code sequences} cut into forward passes of at most {@code
     * maxLength} tokens. Restores the drop policy afterwards and resets the drop statistics.
     */
    public static List<Score> measure(MoeLanguageModel lm, DualSparse dualSparse, List<long[]> sequences, int maxLength,
            List<DropPolicy> policies) {
        double[] kl = new double[policies.size()];
        long[] agreeing = new long[policies.size()];
        long positions = 0;
        DropPolicy original = dualSparse.policy();
        try {
            for (long[] chunk : Chunks.of(lm, sequences, maxLength)) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    dualSparse.setPolicy(DropPolicy.NONE);
                    NDArray dense = logProbabilities(lm, step, chunk);
                    NDArray denseTop = dense.argMax(-1);
                    for (int i = 0; i < policies.size(); i++) {
                        dualSparse.setPolicy(policies.get(i));
                        try (NDManager pass = step.newSubManager()) {
                            NDArray dropped = logProbabilities(lm, pass, chunk);
                            kl[i] += dense.sub(dropped).mul(dense.exp()).sum().getFloat();
                            agreeing[i] += denseTop.eq(dropped.argMax(-1)).countNonzero().getLong();
                        }
                    }
                }
                positions += chunk.length;
            }
        } finally {
            dualSparse.setPolicy(original);
            dualSparse.stats().reset();
        }
        List<Score> scores = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            scores.add(new Score(Math.max(0, kl[i] / positions), (double) agreeing[i] / positions));
        }
        return scores;
    }

    private static NDArray logProbabilities(MoeLanguageModel lm, NDManager manager, long[] chunk) {
        return lm.forward(manager, new long[][] {chunk}, null, null, false).logSoftmax(-1);
    }
}
