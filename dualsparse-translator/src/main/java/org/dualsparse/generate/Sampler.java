package org.dualsparse.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its logits, as HF {@code generate()} does: repetition
 * penalty, then greedy argmax, or temperature, top-k, top-p and min-p filters and a draw from what
 * is left. Each sequence has its own sampler, so a seeded sequence draws the same tokens whatever
 * batch it runs in.
 */
public final class Sampler {

    private final GenerationOptions options;
    private final SplittableRandom random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = options.seed() != null ? new SplittableRandom(options.seed()) : new SplittableRandom();
    }

    /**
     * The next token for logits {@code logits[offset, offset + vocab)}, given the sequence so far
     * ({@code context}, prompt included) for the repetition penalty.
     */
    public long next(float[] logits, int offset, int vocab, long[] context, int contextLength) {
        float[] scores = Arrays.copyOfRange(logits, offset, offset + vocab);
        if (options.repetitionPenalty() != 1) {
            penalizeRepeats(scores, context, contextLength);
        }
        return options.isGreedy() ? argMax(scores) : sample(scores);
    }

    private void penalizeRepeats(float[] scores, long[] context, int contextLength) {
        float penalty = (float) options.repetitionPenalty();
        boolean[] seen = new boolean[scores.length];
        for (int i = 0; i < contextLength; i++) {
            int token = (int) context[i];
            if (!seen[token]) {
                seen[token] = true;
                scores[token] = scores[token] < 0 ? scores[token] * penalty : scores[token] / penalty;
            }
        }
    }

    /** The first index of the largest score, as {@code torch.argmax}. */
    public static int argMax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    private long sample(float[] scores) {
        int[] order = descending(scores);
        int kept = order.length;
        if (options.topK() > 0 && options.topK() < kept) {
            kept = options.topK();
            // HF keeps every token tied with the k-th.
            while (kept < order.length && scores[order[kept]] == scores[order[options.topK() - 1]]) {
                kept++;
            }
        }
        double[] probs = softmax(scores, order, kept, options.temperature());
        if (options.topP() < 1) {
            kept = topP(probs, kept, options.topP());
        }
        if (options.minP() > 0) {
            double floor = options.minP() * probs[0];
            int atLeastFloor = 1;
            while (atLeastFloor < kept && probs[atLeastFloor] >= floor) {
                atLeastFloor++;
            }
            kept = atLeastFloor;
        }
        return order[draw(probs, kept)];
    }

    /**
     * How many of the most likely tokens top-p keeps. HF sorts ascending and drops a token when the
     * probability of it and every less likely token is at most {@code 1 - topP}; the most likely
     * token always stays.
     */
    private static int topP(double[] probs, int kept, double topP) {
        double tail = 0;
        int cut = kept;
        for (int i = kept - 1; i > 0; i--) {
            tail += probs[i];
            if (tail > 1 - topP) {
                break;
            }
            cut = i;
        }
        return cut;
    }

    private int draw(double[] probs, int kept) {
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probs[i];
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < kept - 1; i++) {
            cumulative += probs[i];
            if (target < cumulative) {
                return i;
            }
        }
        return kept - 1;
    }

    /** Softmax of {@code scores / temperature} over the first {@code kept} tokens of {@code order}. */
    private static double[] softmax(float[] scores, int[] order, int kept, double temperature) {
        double[] probs = new double[kept];
        double max = scores[order[0]] / temperature;
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            probs[i] = Math.exp(scores[order[i]] / temperature - max);
            sum += probs[i];
        }
        for (int i = 0; i < kept; i++) {
            probs[i] /= sum;
        }
        return probs;
    }

    /**
     * Token ids with finite scores, most likely first (ties by id). Each id is packed with its
     * score's order-preserving bits into one long, so a primitive sort orders a large vocabulary
     * quickly.
     */
    private static int[] descending(float[] scores) {
        long[] packed = new long[scores.length];
        int n = 0;
        for (int i = 0; i < scores.length; i++) {
            if (Float.isFinite(scores[i])) {
                int bits = Float.floatToIntBits(scores[i]);
                int ascending = bits >= 0 ? bits : bits ^ Integer.MAX_VALUE;
                packed[n++] = ((long) ~ascending << 32) | i;
            }
        }
        if (n == 0) {
            throw new IllegalStateException("every logit is infinite or NaN: the model output is unusable");
        }
        Arrays.sort(packed, 0, n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) packed[i];
        }
        return order;
    }
}
