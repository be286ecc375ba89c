package org.dualsparse.translate;

import java.util.List;
import org.dualsparse.eval.Loglikelihood;
import org.dualsparse.eval.LoglikelihoodRequest;
import org.dualsparse.eval.LoglikelihoodScorer;

/** Scores a batch of (context, continuation) pairs in one forward pass. */
final class LoglikelihoodTranslator extends WholeBatchTranslator<LoglikelihoodRequest, Loglikelihood> {

    private final LoglikelihoodScorer scorer;

    LoglikelihoodTranslator(LoglikelihoodScorer scorer) {
        this.scorer = scorer;
    }

    @Override
    protected List<Loglikelihood> translate(List<LoglikelihoodRequest> inputs) {
        return scorer.score(inputs);
    }
}
