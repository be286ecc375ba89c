package org.dualsparse.generate;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.config.GenerationConfig;
import org.dualsparse.decoder.BatchLimit;
import org.dualsparse.decoder.InvalidInputException;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * Continues a batch of prompts with a model's KV cache: one prefill over the left-padded prompts,
 * then one forward step per new token, each for the last position only and in its own scoped
 * {@link NDManager}. Sequences finish on their own (EOS, stop string, length); a finished one
 * rides along masked until the whole batch is done.
 *
 * <p>A generator holds no per-call state: one instance serves many threads.
 */
public final class Generator {

    /** Left-padding token; its value never matters because the attention mask hides it. */
    private static final long PAD = 0;

    private final MoeLanguageModel model;
    private final TextTokenizer tokenizer;
    private final long[] eosIds;

    public Generator(MoeLanguageModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = endOfSequenceIds(model.generationConfig(), tokenizer);
    }

    public Generation generate(Prompt prompt) {
        return generate(List.of(prompt)).get(0);
    }

    /**
     * Generates every prompt's continuation, in batches within {@link BatchLimit}; results are in
     * prompt order. Every prompt is checked before any is run.
     *
     * @throws InvalidInputException for an empty prompt or one past the model's positions
     */
    public List<Generation> generate(List<Prompt> prompts) {
        int maxPositions = model.config().decoder().maxPositions();
        for (int i = 0; i < prompts.size(); i++) {
            int length = prompts.get(i).ids().length;
            if (length == 0) {
                throw new InvalidInputException("prompt " + i + " has no tokens: there is nothing to continue");
            }
            if (length > maxPositions) {
                throw new InvalidInputException("prompt " + i + " has " + length + " tokens, more than the model's "
                        + maxPositions + " positions (max_position_embeddings): shorten it");
            }
        }
        return BatchLimit.inChunks(prompts, p -> p.ids().length, this::generateBatch);
    }

    private List<Generation> generateBatch(List<Prompt> prompts) {
        int vocab = model.config().decoder().vocabSize();
        int maxPositions = model.config().decoder().maxPositions();
        List<Sequence> sequences = new ArrayList<>();
        for (Prompt prompt : prompts) {
            sequences.add(new Sequence(prompt, maxPositions));
        }

        long start = System.nanoTime();
        long prefillNanos;
        int decodeTokens = 0;
        try (KvCache cache = model.newCache(prompts.size())) {
            float[] logits = prefill(prompts, cache);
            prefillNanos = System.nanoTime() - start;
            while (true) {
                for (int b = 0; b < sequences.size(); b++) {
                    Sequence sequence = sequences.get(b);
                    if (!sequence.isFinished()) {
                        sequence.accept(sequence.sampler.next(logits, b * vocab, vocab, sequence.context, sequence.length));
                    }
                }
                long[][] next = new long[sequences.size()][1];
                long[][] mask = new long[sequences.size()][1];
                int active = 0;
                for (int b = 0; b < sequences.size(); b++) {
                    Sequence sequence = sequences.get(b);
                    next[b][0] = sequence.lastToken;
                    // Finished rows are masked: their positions stop advancing, so they never run past max positions.
                    mask[b][0] = sequence.isFinished() ? 0 : 1;
                    active += (int) mask[b][0];
                }
                if (active == 0) {
                    break;
                }
                logits = step(next, mask, cache);
                decodeTokens += active;
            }
        }
        Timing timing = new Timing(
                prompts.stream().mapToInt(p -> p.ids().length).sum(), prefillNanos,
                decodeTokens, System.nanoTime() - start - prefillNanos);
        return sequences.stream().map(s -> s.result(timing)).toList();
    }

    private float[] prefill(List<Prompt> prompts, KvCache cache) {
        int width = prompts.stream().mapToInt(p -> p.ids().length).max().orElseThrow();
        long[][] ids = new long[prompts.size()][width];
        long[][] mask = new long[prompts.size()][width];
        for (int b = 0; b < prompts.size(); b++) {
            long[] row = prompts.get(b).ids();
            int padding = width - row.length;
            Arrays.fill(ids[b], 0, padding, PAD);
            System.arraycopy(row, 0, ids[b], padding, row.length);
            Arrays.fill(mask[b], padding, width, 1);
        }
        return step(ids, mask, cache);
    }

    /** Next-token logits {@code [B·V]} of the last position of every row. */
    private float[] step(long[][] ids, long[][] mask, KvCache cache) {
        try (NDManager step = model.model().getNDManager().newSubManager()) {
            return model.forward(step, ids, mask, cache, true).toFloatArray();
        }
    }

    private boolean isEndOfSequence(long token) {
        for (long eos : eosIds) {
            if (eos == token) {
                return true;
            }
        }
        return false;
    }

    /** {@code generation_config.json}'s EOS ids, else the tokenizer's {@code eos_token}. */
    private static long[] endOfSequenceIds(GenerationConfig config, TextTokenizer tokenizer) {
        if (config != null && !config.eosTokenIds().isEmpty()) {
            return config.eosTokenIds().stream().mapToLong(Integer::longValue).toArray();
        }
        String eos = tokenizer.specialTokens().eos();
        return eos == null ? new long[0] : tokenizer.tokenId(eos).stream().toArray();
    }

    /** One sequence's progress: its tokens so far, its text, and whether and why it ended. */
    private final class Sequence {
        final Sampler sampler;
        final OutputText text;
        final int promptLength;
        /** Tokens the sequence may add: max_new_tokens, or fewer where the model's positions run out. */
        final int limit;
        long[] context;
        int length;
        long lastToken;
        FinishReason finishReason;

        Sequence(Prompt prompt, int maxPositions) {
            this.sampler = new Sampler(prompt.options());
            this.text = new OutputText(tokenizer, prompt.options(), prompt.onText());
            this.promptLength = prompt.ids().length;
            this.limit = Math.min(prompt.options().maxNewTokens(), maxPositions - promptLength + 1);
            this.context = Arrays.copyOf(prompt.ids(), promptLength + Math.max(limit, 0));
            this.length = promptLength;
        }

        boolean isFinished() {
            return finishReason != null;
        }

        void accept(long token) {
            lastToken = token;
            if (isEndOfSequence(token)) {
                finish(FinishReason.EOS);
                return;
            }
            context[length++] = token;
            if (text.add(token)) {
                finishReason = FinishReason.STOP_STRING;
            } else if (length - promptLength >= limit) {
                finish(FinishReason.LENGTH);
            }
        }

        private void finish(FinishReason reason) {
            finishReason = text.finish() ? FinishReason.STOP_STRING : reason;
        }

        Generation result(Timing timing) {
            return new Generation(
                    text.text(), Arrays.copyOfRange(context, promptLength, length), finishReason, promptLength, timing);
        }
    }
}
