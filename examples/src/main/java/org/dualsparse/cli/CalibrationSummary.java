package org.dualsparse.cli;

import java.io.PrintStream;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.LayerProfile;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;

/** What a calibration measured, and the global thresholds it gives for a few decision drop rates. */
final class CalibrationSummary {

    private static final double[] TARGETS = {0.10, 0.25, 0.40};
    /** Sub-experts per expert the 2T thresholds are solved for: the paper's halves. */
    private static final int PARTS = 2;

    private CalibrationSummary() {}

    static void print(PrintStream out, CalibrationProfile profile, Margin margin) {
        out.printf("model %s, metric %s, %d calibration tokens%n", profile.model(), profile.metric().id(), profile.tokens());
        out.println("layer  tokens    score p10   p50      p90      s2/s1 median");
        for (LayerProfile l : profile.layers()) {
            out.printf("%5d  %-8d  %.4f  %.4f  %.4f  %.4f%n", l.layer(), l.tokens(), l.scores().quantile(0.1),
                    l.scores().quantile(0.5), l.scores().quantile(0.9), l.topTwoRatios().quantile(0.5));
        }
        if (profile.layers().get(0).topK() > 1) {
            out.printf("EES β (median s2/s1): %.4f%n", profile.eesBeta());
        }
        ThresholdSolver solver = new ThresholdSolver(profile, Partition.halves(PARTS));
        out.printf("global threshold T per target decision drop rate (the policy's, as the paper defines it;"
                + " 2T: δ = %s, experts in halves):%n", margin);
        out.println("target  1T            2T");
        for (double target : TARGETS) {
            out.printf("%5.0f%%  %-12s  %s%n", 100 * target, threshold(solver, target, Margin.NONE), threshold(solver, target, margin));
        }
    }

    private static String threshold(ThresholdSolver solver, double target, Margin margin) {
        try {
            // Exactly the float the policy runs, so it can be passed back as --threshold.
            return Float.toString(solver.global(target, margin).threshold(0));
        } catch (DropRateUnreachableException e) {
            return String.format("out of reach (%.1f%%..%.1f%%)", 100 * e.min(), 100 * e.max());
        }
    }
}
