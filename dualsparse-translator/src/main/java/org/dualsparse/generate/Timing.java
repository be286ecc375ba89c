package org.dualsparse.generate;

/**
 * Where a generation's time went, for the batch it ran in: the prefill (one forward over every
 * prompt token) and the decode steps (one forward each, one token per unfinished sequence).
 */
public record Timing(int prefillTokens, long prefillNanos, int decodeTokens, long decodeNanos) {

    public double prefillTokensPerSecond() {
        return perSecond(prefillTokens, prefillNanos);
    }

    public double decodeTokensPerSecond() {
        return perSecond(decodeTokens, decodeNanos);
    }

    private static double perSecond(int tokens, long nanos) {
        return nanos == 0 ? 0 : tokens * 1e9 / nanos;
    }
}
