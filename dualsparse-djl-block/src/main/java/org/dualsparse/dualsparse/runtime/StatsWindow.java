package org.dualsparse.dualsparse.runtime;

/**
 * The drop statistics of the forward passes inside one {@code try} block, opened by {@link
 * DualSparseRuntime#measuring()} (every thread's passes, in the model's statistics, reset when it
 * opens and again when it closes) or {@link DualSparseRuntime#measuringThisThread()} (the opening
 * thread's passes, in statistics of their own).
 */
public final class StatsWindow implements AutoCloseable {

    private final DropStats stats;
    private final Runnable onClose;

    StatsWindow(DropStats stats, Runnable onClose) {
        this.stats = stats;
        this.onClose = onClose;
    }

    /** The counts since the window opened. */
    public DropStats stats() {
        return stats;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
