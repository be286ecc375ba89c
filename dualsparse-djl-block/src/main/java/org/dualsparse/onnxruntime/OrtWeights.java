package org.dualsparse.onnxruntime;

/** What {@link OrtMatrices} made and tracks: one session holding some of a model's weights. */
interface OrtWeights {

    /** Bytes the session's weights take as stored (before ORT's prepacking). */
    long bytes();

    /** Whether the session is still open. */
    boolean open();

    /** Ends the session; a second call does nothing. */
    void release();
}
