package org.dualsparse.eval;

import java.util.List;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.NextTokenAgreement;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;

/**
 * What dropping costs in next-token predictions: the mean KL divergence {@code KL(p_ref ‖ p_drop) =
 * Σ_v p_ref(v) · log(p_ref(v) / p_drop(v))} over every position, and the share of positions whose
 * most likely next token is unchanged, of a dropping model against the same model without
 * dropping. One loaded model serves as both ({@link NextTokenAgreement}): each window of at most
 * {@code window} tokens (non-overlapping, each from position 0) runs once with nothing dropped and
 * once with the drop policy.
 */
public final class DropCost {

    /**
     * @param tokens the positions compared
     * @param dropRates the decision and skipped-work drop rates of the dropping passes
     */
    public record Result(double kl, double top1Agreement, long tokens, DropRates dropRates) {}

    private DropCost() {}

    /**
     * @param policy the drop policy to measure; {@code dualSparse}'s own policy is restored afterwards
     * @param progress told after each window how many of the tokens are done, or null
     */
    public static Result measure(MoeLanguageModel lm, DualSparseRuntime dualSparse, DropPolicy policy, List<long[]> documents,
            int window, Calibrator.Progress progress) {
        return measure(lm, dualSparse, null, policy, documents, window, progress);
    }

    /**
     * Against {@code reference} (another model of the same checkpoint, e.g. float32 libtorch for a
     * quantized {@code lm}) instead of {@code lm} undropped; null for {@code lm} undropped.
     */
    public static Result measure(MoeLanguageModel lm, DualSparseRuntime dualSparse, MoeLanguageModel reference,
            DropPolicy policy, List<long[]> documents, int window, Calibrator.Progress progress) {
        NextTokenAgreement.Score score =
                NextTokenAgreement.measure(lm, dualSparse, reference, documents, window, List.of(policy), progress).get(0);
        long tokens = documents.stream().mapToLong(d -> d.length).sum();
        return new Result(score.kl(), score.top1Agreement(), tokens, score.dropRates());
    }
}
