package org.dualsparse.cli;

import java.io.PrintStream;
import org.dualsparse.dualsparse.Calibrator;

/** A one-line progress bar, redrawn in place. */
final class ProgressBar implements Calibrator.Progress {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void tokensDone(long done, long total) {
        int filled = (int) (WIDTH * done / total);
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.printf("\r%s [%s%s] %3d%% %d/%d tokens, %.0f tokens/s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * done / total, done, total, done / seconds);
        if (done == total) {
            out.println();
        }
        out.flush();
    }
}
