package org.dualsparse.generate;

/** Why a sequence stopped growing. */
public enum FinishReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The text reached one of the stop strings. */
    STOP_STRING,
    /** {@code max_new_tokens} were generated, or the model's positions ran out. */
    LENGTH
}
