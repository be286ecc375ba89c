package org.dualsparse.dualsparse.drop;

/** What is computed for one token-expert pair. */
public final class PairDecision {

    /** Nothing: the pair is dropped. */
    public static final byte DROPPED = 0;
    /** The major part of the expert only (the first half of its sub-experts). */
    public static final byte MAJOR = 1;
    /** The whole expert. */
    public static final byte FULL = 2;

    private PairDecision() {}
}
