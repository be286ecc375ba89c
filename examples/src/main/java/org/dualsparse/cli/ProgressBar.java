package org.dualsparse.cli;

import java.io.PrintStream;
import org.dualsparse.dualsparse.calibration.Calibrator;

/** A one-line progress bar, redrawn in place; counts tokens unless told another unit. */
final class ProgressBar implements Calibrator.Progress {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final String unit;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream out, String label) {
        this(out, label, "tokens");
    }

    ProgressBar(PrintStream out, String label, String unit) {
        this.out = out;
        this.label = label;
        this.unit = unit;
    }

    @Override
    public void tokensDone(long done, long total) {
        int filled = (int) (WIDTH * done / total);
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.printf("\r%s [%s%s] %3d%% %d/%d %s, %.0f %s/s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * done / total, done, total, unit, done / seconds, unit);
        if (done == total) {
            out.println();
        }
        out.flush();
    }
}
