package org.dualsparse.dualsparse;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * The user-facing switches of the method, shared by the command line and DJL Criteria
 * arguments: how to partition, how to reorder neurons and which drop rule to run.
 *
 * @param parts sub-experts per expert
 * @param threshold {@code T} for 1T/2T
 * @param delta {@code δ} for 2T (1T uses 0)
 * @param beta EES {@code β}; NaN takes the profile's calibrated median {@code s2/s1}
 * @param topP top-p routing mass
 * @param capacityFactor capacity baseline {@code γ}
 * @param force allow {@code T ≥ 1/K}
 * @param profile a calibration profile of the model, or null
 * @param dropRate a target drop rate solved into thresholds from {@code profile} (1T/2T), or NaN
 *     to use {@code threshold}
 * @param perLayer solve one threshold per layer (equal per-layer rate) rather than one global
 */
public record DualSparseSettings(
        int parts,
        Method method,
        double threshold,
        double delta,
        DualSparse.Reconstruction reconstruction,
        double beta,
        double topP,
        double capacityFactor,
        boolean force,
        Path profile,
        double dropRate,
        boolean perLayer) {

    /** The drop rules, by their command-line names. */
    public enum Method {
        NONE("none"),
        ONE_T("1t"),
        TWO_T("2t"),
        EES("ees"),
        TOP_P("top-p"),
        CAPACITY("capacity");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Method parse(String id) {
            for (Method m : values()) {
                if (m.id.equals(id.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown method \"" + id + "\"; use one of none, 1t, 2t, ees, top-p, capacity");
        }
    }

    /** Criteria argument keys. */
    public static final List<String> ARGUMENTS = List.of("partition", "method", "threshold", "delta", "reconstruct",
            "beta", "routing_top_p", "capacity_factor", "force_threshold", "profile", "drop_rate", "per_layer");

    /**
     * Reads the settings from DJL Criteria arguments; returns null when none of {@link
     * #ARGUMENTS} is present (the model then runs unmodified).
     */
    public static DualSparseSettings fromArguments(Map<String, ?> arguments) {
        if (ARGUMENTS.stream().noneMatch(arguments::containsKey)) {
            return null;
        }
        Method method = Method.parse(string(arguments, "method", "2t"));
        return new DualSparseSettings(
                (int) number(arguments, "partition", 2),
                method,
                number(arguments, "threshold", 0),
                number(arguments, "delta", method == Method.TWO_T ? 0.01 : 0),
                DualSparse.Reconstruction.valueOf(string(arguments, "reconstruct", "weight").toUpperCase(Locale.ROOT)),
                number(arguments, "beta", arguments.containsKey("profile") ? Double.NaN : 0.5),
                number(arguments, "routing_top_p", 0.9),
                number(arguments, "capacity_factor", 1.0),
                Boolean.parseBoolean(string(arguments, "force_threshold", "false")),
                arguments.containsKey("profile") ? Path.of(string(arguments, "profile", "")) : null,
                number(arguments, "drop_rate", Double.NaN),
                Boolean.parseBoolean(string(arguments, "per_layer", "false")));
    }

    /**
     * Partitions every MoE block of {@code lm} and installs the drop rule; a profile, when given,
     * must be {@code lm}'s and supplies the neuron order and the thresholds of a target drop rate.
     */
    public DualSparse applyTo(MoeLanguageModel lm) {
        List<SparseMoeBlock> blocks = MoeBlocks.of(lm.block());
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("the model has no sparse-MoE layer to partition");
        }
        boolean targeted = !Double.isNaN(dropRate);
        if ((targeted || reconstruction == DualSparse.Reconstruction.PROFILE) && profile == null) {
            throw new IllegalArgumentException("a target drop rate and profile reconstruction need a calibration profile");
        }
        if (targeted && method != Method.ONE_T && method != Method.TWO_T) {
            throw new IllegalArgumentException("a target drop rate is solved into 1t/2t thresholds, not for method " + method.id());
        }
        CalibrationProfile calibration = profile == null ? null : CalibrationProfile.loadFor(profile, lm);
        Router.Spec routing = blocks.get(0).router().spec();
        DropPolicy policy = targeted ? solved(calibration)
                : method == Method.EES && Double.isNaN(beta) && calibration != null ? new EesDropPolicy(calibration.eesBeta())
                : policy(routing.topK(), routing.numExperts());
        return DualSparse.apply(lm.block(), parts, reconstruction,
                calibration == null ? null : calibration.neuronOrder(), policy);
    }

    private DropPolicy solved(CalibrationProfile calibration) {
        ThresholdSolver solver = new ThresholdSolver(calibration, parts);
        double d = method == Method.TWO_T ? delta : 0;
        return perLayer ? solver.perLayerEqual(dropRate, d) : solver.global(dropRate, d);
    }

    /** The drop rule for a model routing {@code topK} of {@code numExperts} experts per token. */
    public DropPolicy policy(int topK, int numExperts) {
        return switch (method) {
            case NONE -> DropPolicy.NONE;
            case ONE_T -> ThresholdDropPolicy.global(threshold, 0, topK, force);
            case TWO_T -> ThresholdDropPolicy.global(threshold, delta, topK, force);
            case EES -> new EesDropPolicy(beta);
            case TOP_P -> new TopPDropPolicy(topP);
            case CAPACITY -> new CapacityDropPolicy(capacityFactor, numExperts);
        };
    }

    private static String string(Map<String, ?> arguments, String key, String fallback) {
        Object value = arguments.get(key);
        return value == null ? fallback : value.toString();
    }

    private static double number(Map<String, ?> arguments, String key, double fallback) {
        Object value = arguments.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument " + key + " = \"" + value + "\" is not a number", e);
        }
    }
}
