package org.dualsparse.moe;

/**
 * A {@link RoutingObserver} attached to one or more sparse-MoE blocks, until closed:
 * {@code try (Observation watch = MoeBlocks.observe(model, observer)) { ... }}.
 */
public final class Observation implements AutoCloseable {

    private final Runnable detach;
    private boolean closed;

    Observation(Runnable detach) {
        this.detach = detach;
    }

    /** Detaches the observer; closing again does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            detach.run();
        }
    }
}
