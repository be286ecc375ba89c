package org.dualsparse.onnxruntime;

import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Makes sessions from cached graphs on every core while the load reads on: making a session
 * (ORT prepacks every weight then) is most of a load from the cache. At most two graphs per
 * thread wait their turn, so the graphs read ahead take little memory.
 */
final class SessionMaker implements AutoCloseable {

    private final ExecutorService threads;
    private final Semaphore waiting;

    SessionMaker(int threads) {
        this.threads = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "dualsparse-ort-sessions");
            thread.setDaemon(true);
            return thread;
        });
        this.waiting = new Semaphore(2 * threads);
    }

    /** The session of {@code model} (copied: the caller may reuse the buffer), made on one of the threads. */
    CompletableFuture<OrtSession> make(ByteBuffer model, String what) {
        byte[] graph = new byte[model.remaining()];
        model.duplicate().get(graph);
        waiting.acquireUninterruptibly();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return OrtRuntime.session(graph, what);
            } finally {
                waiting.release();
            }
        }, threads);
    }

    /** Lets the threads end once the sessions asked for are made. */
    @Override
    public void close() {
        threads.shutdown();
    }
}
