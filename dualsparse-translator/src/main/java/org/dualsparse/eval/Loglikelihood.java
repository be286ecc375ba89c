package org.dualsparse.eval;

/**
 * The answer to a {@link LoglikelihoodRequest}.
 *
 * @param logprob sum of the natural-log probabilities of the continuation's tokens
 * @param greedy whether every continuation token is the model's most likely next token
 * @param tokens how many tokens the continuation has
 */
public record Loglikelihood(double logprob, boolean greedy, int tokens) {}
