/**
 * Drop policies: per token-expert pair, compute it whole, its major half only, or not at all
 * ({@link org.dualsparse.dualsparse.drop.PairDecision}), from normalised router scores; the
 * 1T/2T thresholds of the method and the baselines it is compared with.
 */
package org.dualsparse.dualsparse.drop;
