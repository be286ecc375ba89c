package org.dualsparse.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings.PerLayer;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;

/**
 * One configuration a sweep evaluates a drop method in. What does not apply to the method is
 * fixed: 1T has no margin and its split and neuron order change nothing it computes; the baselines
 * have no per-layer split either.
 *
 * @param reconstruction the neuron order: {@code none}, {@code weight}, {@code profile} (the
 *     order of the given calibration profile) or an {@link ImportanceMetric}'s id (the order that
 *     metric measures on the calibration text)
 * @param margin the 2T margin, none for every other method
 */
record SweepSetting(Method method, Partition partition, String reconstruction, Margin margin, PerLayer perLayer) {

    /** What the sweep lists more than one value of: only those axes name a setting. */
    record Varying(boolean partition, boolean reconstruction, boolean margin, boolean perLayer) {}

    /** The library's neuron order of {@link #reconstruction}. */
    Reconstruction order() {
        return switch (reconstruction) {
            case "none" -> Reconstruction.NONE;
            case "weight" -> Reconstruction.WEIGHT;
            default -> Reconstruction.PROFILE;
        };
    }

    /** The importance metric the neuron order is measured with, or null for none, weight and a given profile's order. */
    ImportanceMetric metric() {
        return order() == Reconstruction.PROFILE && !reconstruction.equals("profile") ? ImportanceMetric.parse(reconstruction) : null;
    }

    /** Whether the method runs major-only pairs, and so depends on the split and neuron order. */
    boolean usesMajorParts() {
        return method == Method.TWO_T;
    }

    /** Whether the method has thresholds a per-layer split can set. */
    boolean thresholded() {
        return method == Method.ONE_T || method == Method.TWO_T;
    }

    /** The method's id followed by the values of the axes that vary and apply to it, e.g. {@code 2t abs-gate δ=0.5T}. */
    String label(Varying varying) {
        List<String> parts = new ArrayList<>(List.of(method.id()));
        if (usesMajorParts() && varying.partition()) {
            parts.add(partition.majorParts() * 2 == partition.parts()
                    ? "P" + partition.parts() : "P" + partition.parts() + "/" + partition.majorParts());
        }
        if (usesMajorParts() && varying.reconstruction()) {
            parts.add(reconstruction);
        }
        if (usesMajorParts() && varying.margin()) {
            parts.add("δ=" + (margin.relative() ? margin.value() + "T" : margin.value()));
        }
        if (thresholded() && varying.perLayer()) {
            parts.add(perLayer.name().toLowerCase(Locale.ROOT));
        }
        return String.join(" ", parts);
    }
}
