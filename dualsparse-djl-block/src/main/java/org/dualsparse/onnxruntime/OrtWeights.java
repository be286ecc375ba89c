package org.dualsparse.onnxruntime;

import ai.onnxruntime.OrtSession;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What {@link OrtMatrices} makes and tracks: one session holding some of a model's weights, open
 * until released. The session may still be in the making ({@link SessionMaker}).
 */
abstract class OrtWeights {

    private final CompletableFuture<OrtSession> session;
    private final long bytes;
    private boolean released;

    OrtWeights(CompletableFuture<OrtSession> session, long bytes) {
        this.session = session;
        this.bytes = bytes;
    }

    /** The session, once made; the error that stopped its making, if one did. */
    final OrtSession session() {
        try {
            return session.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Bytes the session's weights take as stored (before ORT's prepacking). */
    final long bytes() {
        return bytes;
    }

    /** Whether the session is still open. */
    final synchronized boolean open() {
        return !released;
    }

    /** Ends the session (once made; one whose making failed has nothing to end); a second call does nothing. */
    public final synchronized void release() {
        if (!released) {
            released = true;
            OrtSession made = session.exceptionally(e -> null).join();
            if (made != null) {
                OrtRuntime.close(made);
            }
        }
    }
}
