/**
 * Evaluation: log-likelihood scoring as lm-evaluation-harness does it, perplexity, multiple
 * choice tasks and the cost of dropping (next-token KL against the undropped model).
 */
package org.dualsparse.eval;
