package org.dualsparse.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Token-level perplexity of tokenised documents, in <b>non-overlapping windows</b>: a document of
 * {@code n} tokens feeds its tokens {@code 0 … n−2} in consecutive windows of at most {@code
 * window} tokens, each window a separate forward pass from position 0 (no context carried over),
 * and every token but the document's first is scored exactly once, given the tokens before it in
 * its window. A document's first token has no context and is not scored. Each window runs in its
 * own sub-manager of the model's {@code NDManager}, so memory does not grow with the data.
 */
public final class Perplexity {

    public static final int DEFAULT_WINDOW = 256;

    /**
     * @param meanNll the mean negative log-likelihood per scored token, in nats
     * @param perplexity {@code exp(meanNll)}
     * @param tokens how many tokens were scored
     * @param dropRates the decision and skipped-work drop rates of the run, when DualSparse is
     *     applied to the model
     */
    public record Result(double meanNll, double perplexity, long tokens, Optional<DropRates> dropRates) {}

    private final MoeLanguageModel lm;
    private final int window;

    /** @param window the most tokens one forward pass feeds, at most the model's {@code max_position_embeddings} */
    public Perplexity(MoeLanguageModel lm, int window) {
        int maxPositions = lm.config().decoder().maxPositions();
        if (window < 1 || window > maxPositions) {
            throw new IllegalArgumentException("window " + window + " must lie in [1, " + maxPositions
                    + "], the model's max_position_embeddings");
        }
        this.lm = lm;
        this.window = window;
    }

    /**
     * Scores {@code documents}.
     *
     * @param progress told after each window how many of the tokens to score are done, or null
     * @throws IllegalArgumentException when no document has two tokens
     */
    public Result measure(List<long[]> documents, Calibrator.Progress progress) {
        long total = documents.stream().mapToLong(d -> Math.max(0, d.length - 1)).sum();
        if (total == 0) {
            throw new IllegalArgumentException("no token to score: every document has fewer than 2 tokens");
        }
        RunDropRates dropRates = RunDropRates.start(lm);
        double nll = 0;
        long scored = 0;
        for (long[] document : documents) {
            long before = scored;
            DocumentScore score = score(document, doneInDocument -> {
                if (progress != null) {
                    progress.tokensDone(before + doneInDocument, total);
                }
            });
            nll += score.nll();
            scored += score.tokens();
        }
        double mean = nll / scored;
        return new Result(mean, Math.exp(mean), scored, dropRates.finish());
    }

    /**
     * One document's summed negative log-likelihood, windowed as {@link #measure} does: the
     * documents of a corpus can be scored apart (on different threads or machines) and their sums
     * added up to what {@link #measure} gives.
     */
    public DocumentScore score(long[] document) {
        return score(document, done -> {});
    }

    /**
     * The summed negative log-likelihood of a document's scored tokens, in nats.
     *
     * @param tokens how many tokens were scored: all but the document's first
     */
    public record DocumentScore(double nll, long tokens) {}

    /** @param windowDone told after each window how many of the document's tokens are scored */
    private DocumentScore score(long[] document, LongConsumer windowDone) {
        double nll = 0;
        for (int start = 0; start < document.length - 1; start += window) {
            int end = Math.min(start + window, document.length - 1);
            nll += windowNll(Arrays.copyOfRange(document, start, end), Arrays.copyOfRange(document, start + 1, end + 1));
            windowDone.accept(end);
        }
        return new DocumentScore(nll, Math.max(0, document.length - 1));
    }

    /** The summed negative log-likelihood of {@code targets[i]} after {@code inputs[0 … i]}. */
    private double windowNll(long[] inputs, long[] targets) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            NDArray logProbs = lm.forward(step, new long[][] {inputs}, null, null, false).get(0).logSoftmax(-1);
            float[] picked = logProbs.gather(step.create(targets).reshape(-1, 1), 1).toFloatArray();
            double sum = 0;
            for (float logProb : picked) {
                sum -= logProb;
            }
            return sum;
        }
    }
}
