package org.dualsparse.dualsparse.runtime;

/**
 * The drop statistics of the forward passes inside one {@code try} block, opened by {@link
 * DualSparseRuntime#measuring()}: they count from its opening and are reset again when it closes.
 */
public final class StatsWindow implements AutoCloseable {

    private final DropStats stats;

    StatsWindow(DropStats stats) {
        this.stats = stats;
        stats.reset();
    }

    /** The counts since the window opened. */
    public DropStats stats() {
        return stats;
    }

    @Override
    public void close() {
        stats.reset();
    }
}
