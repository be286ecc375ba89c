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
 * @param calibrationData a text file to measure the calibration profile from when the model loads
 *     (instead of {@code profile}), or null
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
        Path calibrationData,
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
            "beta", "routing_top_p", "capacity_factor", "force_threshold", "profile", "calibration_data", "drop_rate", "per_layer");

    /** The arguments that choose 2T when no {@code method} is given; without them nothing is dropped. */
    private static final List<String> DROPPING = List.of("threshold", "delta", "drop_rate");

    /**
     * Reads the settings from DJL Criteria arguments; returns null when none of {@link
     * #ARGUMENTS} is present (the model then runs unmodified). Without {@code method}, a
     * threshold, δ or target drop rate means 2T and anything else (such as {@code partition}
     * alone) partitions without dropping. 2T's δ defaults to the paper's 0.01, capped at a
     * given {@code T} so that a low threshold alone is a valid rule.
     */
    public static DualSparseSettings fromArguments(Map<String, ?> arguments) {
        if (ARGUMENTS.stream().noneMatch(arguments::containsKey)) {
            return null;
        }
        boolean dropping = DROPPING.stream().anyMatch(arguments::containsKey);
        Method method = Method.parse(string(arguments, "method", dropping ? "2t" : "none"));
        double threshold = number(arguments, "threshold", 0);
        double defaultDelta = method != Method.TWO_T ? 0
                : arguments.containsKey("drop_rate") ? ThresholdDropPolicy.PAPER_DELTA
                : Math.min(ThresholdDropPolicy.PAPER_DELTA, Math.max(threshold, 0));
        Path profile = path(arguments, "profile");
        Path calibrationData = path(arguments, "calibration_data");
        if (profile != null && calibrationData != null) {
            throw new IllegalArgumentException("give a calibration profile or calibration_data to measure one from, not both");
        }
        return new DualSparseSettings(
                integer(arguments, "partition", 2),
                method,
                threshold,
                number(arguments, "delta", defaultDelta),
                DualSparse.Reconstruction.valueOf(string(arguments, "reconstruct", "weight").toUpperCase(Locale.ROOT)),
                number(arguments, "beta", profile != null || calibrationData != null ? Double.NaN : 0.5),
                number(arguments, "routing_top_p", 0.9),
                number(arguments, "capacity_factor", 1.0),
                bool(arguments, "force_threshold"),
                profile,
                calibrationData,
                number(arguments, "drop_rate", Double.NaN),
                bool(arguments, "per_layer"));
    }

    /**
     * Whether these settings take something from a calibration profile: the thresholds of a
     * target drop rate, the neuron order of profile reconstruction or EES's calibrated β.
     */
    public boolean needsProfile() {
        return !Double.isNaN(dropRate) || reconstruction == DualSparse.Reconstruction.PROFILE
                || method == Method.EES && Double.isNaN(beta);
    }

    /**
     * Partitions every MoE block of {@code lm} and installs the drop rule, reading the profile
     * file when one is given (a profile measured from {@link #calibrationData} is the caller's to
     * measure: see {@link #applyTo(MoeLanguageModel, CalibrationProfile)}).
     */
    public DualSparse applyTo(MoeLanguageModel lm) {
        return applyTo(lm, profile == null ? null : CalibrationProfile.loadFor(profile, lm));
    }

    /**
     * Partitions every MoE block of {@code lm} and installs the drop rule; {@code calibration},
     * when given, must be {@code lm}'s and supplies the neuron order and the thresholds of a
     * target drop rate.
     */
    public DualSparse applyTo(MoeLanguageModel lm, CalibrationProfile calibration) {
        List<SparseMoeBlock> blocks = MoeBlocks.of(lm.block());
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("the model has no sparse-MoE layer to partition");
        }
        boolean targeted = !Double.isNaN(dropRate);
        if (needsProfile() && calibration == null) {
            throw new MissingProfileException((targeted ? "a target drop rate" : reconstruction == DualSparse.Reconstruction.PROFILE
                    ? "profile reconstruction" : "EES without a beta") + " needs a calibration profile: add the argument profile"
                    + " (a file from `calibrate`) or calibration_data (a text file to calibrate on when the model loads)");
        }
        if (targeted && method != Method.ONE_T && method != Method.TWO_T) {
            throw new IllegalArgumentException("a target drop rate is solved into 1t/2t thresholds, not for method " + method.id());
        }
        Router.Spec routing = blocks.get(0).router().spec();
        DropPolicy policy = targeted ? solved(calibration)
                : method == Method.EES && Double.isNaN(beta) ? new EesDropPolicy(calibration.eesBeta())
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

    private static Path path(Map<String, ?> arguments, String key) {
        Object value = arguments.get(key);
        return value == null ? null : value instanceof Path p ? p : Path.of(value.toString());
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

    private static int integer(Map<String, ?> arguments, String key, int fallback) {
        Object value = arguments.get(key);
        if (value == null) {
            return fallback;
        }
        double number = number(arguments, key, fallback);
        if (number != Math.rint(number) || Math.abs(number) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("argument " + key + " = \"" + value + "\" is not an integer");
        }
        return (int) number;
    }

    private static boolean bool(Map<String, ?> arguments, String key) {
        String value = string(arguments, key, "false").toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("argument " + key + " = \"" + arguments.get(key) + "\" is not true or false");
        }
        return value.equals("true");
    }
}
