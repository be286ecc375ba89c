package org.dualsparse.dualsparse.calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;

/** Token sequences cut into forward passes of at most a given length, each from position 0. */
public final class Chunks {

    private Chunks() {}

    /**
     * The pieces of {@code sequences}, each at most {@code maxLength} tokens.
     *
     * @throws IllegalArgumentException for no tokens or a length outside {@code [1, max_position_embeddings]}
     */
    public static List<long[]> of(MoeLanguageModel lm, List<long[]> sequences, int maxLength) {
        int maxPositions = lm.config().decoder().maxPositions();
        if (maxLength < 1 || maxLength > maxPositions) {
            throw new IllegalArgumentException("chunk length " + maxLength + " must lie in [1, " + maxPositions
                    + "], the model's max_position_embeddings");
        }
        List<long[]> chunks = new ArrayList<>();
        for (long[] sequence : sequences) {
            for (int start = 0; start < sequence.length; start += maxLength) {
                chunks.add(Arrays.copyOfRange(sequence, start, Math.min(sequence.length, start + maxLength)));
            }
        }
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("no tokens to run: every sequence is empty");
        }
        return chunks;
    }

    /** The first {@code maxTokens} tokens of {@code sequences}, the last sequence cut where they run out. */
    public static List<long[]> first(List<long[]> sequences, long maxTokens) {
        List<long[]> out = new ArrayList<>();
        long remaining = maxTokens;
        for (long[] sequence : sequences) {
            if (remaining <= 0) {
                break;
            }
            out.add(sequence.length <= remaining ? sequence : Arrays.copyOf(sequence, (int) remaining));
            remaining -= sequence.length;
        }
        return out;
    }
}
