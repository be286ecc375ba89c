package org.dualsparse.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.runtime.DropRates;

/**
 * One point of a sweep: a setting at a target drop rate, how its knob was set, what every task
 * measured there and, once timed, the MoE-layer speedups it gives. At target 0 every setting
 * shares the undropped model's scores and has no knob.
 *
 * @param method the setting's label, the line it is drawn on
 * @param setting what was swept, null for the undropped model
 * @param knob "T", "mean T" (per-layer thresholds), "β", "p", "γ", or "" at target 0
 * @param predictedRate the decision drop rate the knob gives on the data it was solved on
 * @param pairs for 1T and 2T, the shares of routed pairs the thresholds drop and run major-only
 *     on the calibration data; null for every other method
 * @param speedups MoE-layer speedup over the dense layer by {@code SHAPES@TOKENS}, e.g. {@code olmoe@16}
 */
record SweepRow(String method, SweepSetting setting, double target, String knob, double knobValue, double predictedRate,
        ThresholdSolver.PairShares pairs, List<TaskScore> scores, Map<String, Double> speedups) {

    SweepRow {
        scores = List.copyOf(scores);
        speedups = Collections.unmodifiableMap(new LinkedHashMap<>(speedups));
    }

    /** This row with its measured speedups. */
    SweepRow withSpeedups(Map<String, Double> measured) {
        return new SweepRow(method, setting, target, knob, knobValue, predictedRate, pairs, scores, measured);
    }

    /** The realised decision drop rate of the first task that ran with DualSparse (0 undropped). */
    double realisedRate() {
        return scores.stream().flatMap(s -> s.dropRates().stream()).mapToDouble(DropRates::decision).findFirst().orElse(0);
    }

    /** The share of routed pairs in 2T's band {@code [T − δ, T + δ)}, run major-only; NaN for every other method. */
    double majorOnlyShare() {
        return setting != null && setting.usesMajorParts() && pairs != null ? pairs.majorOnly() : Double.NaN;
    }

    /** {@link #majorOnlyShare} per MoE layer; empty for every other method. */
    Map<Integer, Double> majorOnlyByLayer() {
        Map<Integer, Double> byLayer = new TreeMap<>();
        if (!Double.isNaN(majorOnlyShare())) {
            pairs.perLayer().forEach((layer, shares) -> byLayer.put(layer, shares[1]));
        }
        return byLayer;
    }
}
