package org.dualsparse.eval;

import java.util.List;
import java.util.Optional;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * Multiple-choice accuracy as lm-evaluation-harness's {@code multiple_choice} tasks compute it:
 * each choice is scored as the log-likelihood of the choice after the context ({@link
 * LoglikelihoodScorer}, one left-padded batch per item); {@code acc} counts the items whose most
 * likely choice is the gold one, {@code acc_norm} those whose highest log-likelihood per character
 * of the choice is (characters are Unicode code points, as Python's {@code len}; for ASCII text
 * that is the UTF-8 byte count). Ties go to the first choice, as {@code numpy.argmax}.
 */
public final class MultipleChoiceTask {

    /**
     * @param accStderr the standard error of {@code acc}, {@code sqrt(acc·(1−acc)/items)}
     * @param accNormStderr the same of {@code accNorm}
     * @param dropRates the decision and skipped-work drop rates of the run, when DualSparse is
     *     applied to the model
     */
    public record Result(double acc, double accStderr, double accNorm, double accNormStderr, int items,
            Optional<DropRates> dropRates) {}

    private final MoeLanguageModel lm;
    private final LoglikelihoodScorer scorer;

    public MultipleChoiceTask(MoeLanguageModel lm, TextTokenizer tokenizer) {
        this.lm = lm;
        this.scorer = new LoglikelihoodScorer(lm, tokenizer);
    }

    /** @param progress told after each item how many of the items are done, or null */
    public Result score(List<MultipleChoiceItem> items, Calibrator.Progress progress) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no multiple-choice items to score");
        }
        RunDropRates dropRates = RunDropRates.start(lm);
        int correct = 0;
        int correctNorm = 0;
        for (int i = 0; i < items.size(); i++) {
            MultipleChoiceItem item = items.get(i);
            List<Loglikelihood> scores = scorer.score(
                    item.choices().stream().map(c -> new LoglikelihoodRequest(item.context(), c)).toList());
            correct += best(item, scores, false) == item.gold() ? 1 : 0;
            correctNorm += best(item, scores, true) == item.gold() ? 1 : 0;
            if (progress != null) {
                progress.tokensDone(i + 1, items.size());
            }
        }
        int n = items.size();
        double acc = (double) correct / n;
        double accNorm = (double) correctNorm / n;
        return new Result(acc, stderr(acc, n), accNorm, stderr(accNorm, n), n, dropRates.finish());
    }

    /** The index of the highest score, per character of the choice when {@code normalised}; the first on ties. */
    private static int best(MultipleChoiceItem item, List<Loglikelihood> scores, boolean normalised) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < scores.size(); c++) {
            String choice = item.choices().get(c);
            double score = scores.get(c).logprob() / (normalised ? choice.codePointCount(0, choice.length()) : 1);
            if (score > bestScore) {
                best = c;
                bestScore = score;
            }
        }
        return best;
    }

    private static double stderr(double p, int n) {
        return Math.sqrt(p * (1 - p) / n);
    }
}
