package org.dualsparse.onnxruntime;

import ai.onnxruntime.OrtSession;

/** What {@link OrtMatrices} makes and tracks: one session holding some of a model's weights, open until released. */
abstract class OrtWeights {

    private final OrtSession session;
    private final long bytes;
    private boolean released;

    OrtWeights(OrtSession session, long bytes) {
        this.session = session;
        this.bytes = bytes;
    }

    final OrtSession session() {
        return session;
    }

    /** Bytes the session's weights take as stored (before ORT's prepacking). */
    final long bytes() {
        return bytes;
    }

    /** Whether the session is still open. */
    final synchronized boolean open() {
        return !released;
    }

    /** Ends the session; a second call does nothing. */
    public final synchronized void release() {
        if (!released) {
            released = true;
            OrtRuntime.close(session);
        }
    }
}
