package org.dualsparse.generate;

/**
 * A generated continuation.
 *
 * @param text the decoded text, special tokens left out, cut before a stop string
 * @param tokenIds the generated ids (an ending EOS left out; tokens of a stop string kept)
 * @param finishReason why generation stopped
 * @param promptTokens length of the prompt in tokens
 * @param timing time spent on the batch this sequence was generated in
 */
public record Generation(String text, long[] tokenIds, FinishReason finishReason, int promptTokens, Timing timing) {}
