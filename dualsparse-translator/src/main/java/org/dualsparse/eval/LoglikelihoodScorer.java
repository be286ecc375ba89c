package org.dualsparse.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.dualsparse.decoder.BatchLimit;
import org.dualsparse.decoder.InvalidInputException;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * Scores continuations as lm-evaluation-harness's HF backend does: trailing spaces of the context
 * move to the continuation; the continuation's tokens are those of {@code context + continuation}
 * past the context's own tokens; no special tokens are added, except that an empty context becomes
 * the BOS (or else EOS) token; over-long inputs lose tokens on the left. A batch runs as one
 * left-padded forward pass.
 */
public final class LoglikelihoodScorer {

    private final MoeLanguageModel model;
    private final TextTokenizer tokenizer;
    private final OptionalLong emptyContextToken;

    public LoglikelihoodScorer(MoeLanguageModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.emptyContextToken = emptyContextToken(tokenizer);
    }

    /** Scores every request, in batches within {@link BatchLimit}; results are in request order. */
    public List<Loglikelihood> score(List<LoglikelihoodRequest> requests) {
        List<long[][]> encoded = new ArrayList<>();
        int maxPositions = model.config().decoder().maxPositions();
        for (LoglikelihoodRequest request : requests) {
            long[][] pair = encodePair(request);
            long[] whole = concat(pair[0], pair[1]);
            // The last token is only predicted, never fed.
            int from = Math.max(0, whole.length - 1 - maxPositions);
            encoded.add(new long[][] {Arrays.copyOfRange(whole, from, whole.length - 1), pair[1]});
        }
        return BatchLimit.inChunks(encoded, pair -> pair[0].length, this::scoreBatch);
    }

    /** Scores {@code [input, continuation]} pairs in one forward pass. */
    private List<Loglikelihood> scoreBatch(List<long[][]> pairs) {
        List<long[]> inputs = pairs.stream().map(pair -> pair[0]).toList();
        List<long[]> continuations = pairs.stream().map(pair -> pair[1]).toList();
        int width = inputs.stream().mapToInt(ids -> ids.length).max().orElseThrow();
        long[][] ids = new long[inputs.size()][width];
        long[][] mask = new long[inputs.size()][width];
        for (int b = 0; b < inputs.size(); b++) {
            long[] row = inputs.get(b);
            System.arraycopy(row, 0, ids[b], width - row.length, row.length);
            Arrays.fill(mask[b], width - row.length, width, 1);
        }
        List<Loglikelihood> results = new ArrayList<>();
        try (NDManager step = model.model().getNDManager().newSubManager()) {
            NDArray logits = model.forward(step, ids, mask, null, false);
            for (int b = 0; b < inputs.size(); b++) {
                long[] continuation = continuations.get(b);
                NDArray predicting = logits.get(new NDIndex("{}, {}:{}", b, width - continuation.length, width));
                results.add(score(predicting.logSoftmax(-1).toFloatArray(), continuation));
            }
        }
        return results;
    }

    /** Context and continuation ids, split as lm-evaluation-harness's {@code _encode_pair}. */
    private long[][] encodePair(LoglikelihoodRequest request) {
        String context = request.context();
        String continuation = request.continuation();
        if (continuation.isEmpty()) {
            throw new InvalidInputException("the continuation is empty: there is nothing to score");
        }
        if (context.isEmpty()) {
            long start = emptyContextToken.orElseThrow(() -> new InvalidInputException(
                    "the context is empty and the tokenizer has neither a BOS nor an EOS token to stand for it"));
            return new long[][] {{start}, tokenizer.encode(continuation, false)};
        }
        int spaces = context.length() - context.stripTrailing().length();
        continuation = context.substring(context.length() - spaces) + continuation;
        context = context.substring(0, context.length() - spaces);
        long[] whole = tokenizer.encode(context + continuation, false);
        int contextLength = tokenizer.encode(context, false).length;
        if (contextLength >= whole.length) {
            throw new InvalidInputException("the continuation \"" + request.continuation() + "\" adds no token to the context");
        }
        return new long[][] {Arrays.copyOf(whole, contextLength), Arrays.copyOfRange(whole, contextLength, whole.length)};
    }

    private static Loglikelihood score(float[] logprobs, long[] continuation) {
        int vocab = logprobs.length / continuation.length;
        double sum = 0;
        boolean greedy = true;
        for (int j = 0; j < continuation.length; j++) {
            int row = j * vocab;
            sum += logprobs[row + (int) continuation[j]];
            int best = row;
            for (int v = row + 1; v < row + vocab; v++) {
                if (logprobs[v] > logprobs[best]) {
                    best = v;
                }
            }
            greedy &= best - row == continuation[j];
        }
        return new Loglikelihood(sum, greedy, continuation.length);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static OptionalLong emptyContextToken(TextTokenizer tokenizer) {
        String token = tokenizer.specialTokens().bos() != null ? tokenizer.specialTokens().bos() : tokenizer.specialTokens().eos();
        return token == null ? OptionalLong.empty() : tokenizer.tokenId(token);
    }
}
