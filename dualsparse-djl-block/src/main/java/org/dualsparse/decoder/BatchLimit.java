package org.dualsparse.decoder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * How many sequences one forward pass takes. A batch of thousands of prompts in one pass would
 * need activations, logits and caches for all of them at once (gigabytes past any heap or RAM for
 * a real vocabulary), so callers split their work into chunks of at most {@link #MAX_ROWS} rows
 * and {@link #MAX_TOKENS} padded tokens, and run the chunks one after another. A single sequence
 * longer than the token budget still gets a chunk of its own: the model's positions bound it.
 */
public final class BatchLimit {

    /** Sequences per forward pass. */
    public static final int MAX_ROWS = 64;

    /** Rows × padded width per forward pass. */
    public static final int MAX_TOKENS = 8192;

    private BatchLimit() {}

    /**
     * {@code run} applied to consecutive chunks of {@code items} within the limits, each item's
     * width being {@code width}; results in item order.
     */
    public static <T, R> List<R> inChunks(List<T> items, ToIntFunction<T> width, Function<List<T>, List<R>> run) {
        List<R> results = new ArrayList<>(items.size());
        int from = 0;
        while (from < items.size()) {
            int to = from + 1;
            int widest = width.applyAsInt(items.get(from));
            while (to < items.size() && to - from < MAX_ROWS) {
                int wider = Math.max(widest, width.applyAsInt(items.get(to)));
                if ((long) wider * (to - from + 1) > MAX_TOKENS) {
                    break;
                }
                widest = wider;
                to++;
            }
            results.addAll(run.apply(items.subList(from, to)));
            from = to;
        }
        return results;
    }
}
