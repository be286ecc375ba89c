package org.dualsparse.dualsparse;

import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.calibration.LayerSensitivity;
import org.dualsparse.dualsparse.calibration.SensitivityCurve;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.CapacityDropPolicy;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.EesDropPolicy;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.drop.TopPDropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
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
 * @param profile a calibration profile file of the model, or null
 * @param calibrationData a text file to measure the calibration profile from when the model loads
 *     (instead of {@code profile}) and the text {@link PerLayer#SENSITIVITY} measures each layer's
 *     cost on; null for the model folder's {@link #DEFAULT_CALIBRATION_TEXT}
 * @param dropRate a target decision drop rate solved into thresholds from the profile (1T/2T),
 *     or NaN to use {@code threshold}
 * @param perLayer how {@code dropRate} is spread over the layers
 * @param sensitivityTokens how many calibration tokens the sensitivity measurement uses
 */
public record DualSparseSettings(
        int parts,
        Method method,
        double threshold,
        double delta,
        Reconstruction reconstruction,
        double beta,
        double topP,
        double capacityFactor,
        boolean force,
        Path profile,
        Path calibrationData,
        double dropRate,
        PerLayer perLayer,
        long sensitivityTokens) {

    /** Where {@code calibration_data} defaults to, inside the model folder: the shipped model's calibration text. */
    public static final Path DEFAULT_CALIBRATION_TEXT = Path.of("eval", "calibration.txt");

    /** Forward passes of the sensitivity measurement: at most this many tokens (or the model's maximum). */
    static final int SENSITIVITY_WINDOW = 512;

    /** How a target drop rate is spread over the MoE layers ({@link ThresholdSolver}), by Criteria value. */
    public enum PerLayer {
        /** One threshold for the whole model ({@code false}). */
        GLOBAL("false"),
        /** Each layer its own threshold, every layer at the target rate ({@code true} or {@code equal}). */
        EQUAL("equal"),
        /** The split that costs least by each layer's measured next-token KL ({@code sensitivity}). */
        SENSITIVITY("sensitivity");

        private final String id;

        PerLayer(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static PerLayer parse(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "false", "global" -> GLOBAL;
                case "true", "equal" -> EQUAL;
                case "sensitivity" -> SENSITIVITY;
                default -> throw new IllegalArgumentException(
                        "per_layer = \"" + value + "\": use false (one global threshold), equal (true) or sensitivity");
            };
        }
    }

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
            "beta", "routing_top_p", "capacity_factor", "force_threshold", "profile", "calibration_data", "drop_rate",
            "per_layer", "sensitivity_tokens");

    /** The arguments that choose 2T when no {@code method} is given; without them nothing is dropped. */
    private static final List<String> DROPPING = List.of("threshold", "delta", "drop_rate");

    /** The arguments that belong to one method only, refused with any other. */
    private static final Map<String, Method> METHOD_KNOBS = Map.of(
            "beta", Method.EES, "routing_top_p", Method.TOP_P, "capacity_factor", Method.CAPACITY);

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
        PerLayer perLayer = PerLayer.parse(string(arguments, "per_layer", "false"));
        if (profile != null && calibrationData != null && perLayer != PerLayer.SENSITIVITY) {
            throw new IllegalArgumentException("give a calibration profile or calibration_data to measure one from, not both"
                    + " (both only with per_layer = sensitivity, which measures layer costs on the text)");
        }
        METHOD_KNOBS.forEach((key, owner) -> {
            if (arguments.containsKey(key) && method != owner) {
                throw new IllegalArgumentException("argument " + key + " belongs to method " + owner.id()
                        + ", not " + method.id() + ": add method=" + owner.id());
            }
        });
        return new DualSparseSettings(
                integer(arguments, "partition", 2),
                method,
                threshold,
                number(arguments, "delta", defaultDelta),
                Reconstruction.valueOf(string(arguments, "reconstruct", "weight").toUpperCase(Locale.ROOT)),
                number(arguments, "beta", profile != null || calibrationData != null ? Double.NaN : 0.5),
                number(arguments, "routing_top_p", 0.9),
                number(arguments, "capacity_factor", 1.0),
                bool(arguments, "force_threshold"),
                profile,
                calibrationData,
                number(arguments, "drop_rate", Double.NaN),
                perLayer,
                integer(arguments, "sensitivity_tokens", 1024));
    }

    /**
     * Whether these settings take something from a calibration profile: the thresholds of a
     * target drop rate, the neuron order of profile reconstruction or EES's calibrated β.
     */
    public boolean needsProfile() {
        return !Double.isNaN(dropRate) || reconstruction == Reconstruction.PROFILE
                || method == Method.EES && Double.isNaN(beta);
    }

    /**
     * The calibration text for the model in {@code modelDir} (null for a model with no folder):
     * {@code calibration_data}, else the folder's {@link #DEFAULT_CALIBRATION_TEXT} where it has
     * one; null when neither exists.
     */
    public Path calibrationText(Path modelDir) {
        if (calibrationData != null) {
            return calibrationData;
        }
        Path fallback = modelDir == null ? null : modelDir.resolve(DEFAULT_CALIBRATION_TEXT);
        return fallback != null && Files.isRegularFile(fallback) ? fallback : null;
    }

    /**
     * The text {@link PerLayer#SENSITIVITY} measures each layer's cost on: {@link #calibrationText}.
     *
     * @throws IllegalArgumentException when there is none
     */
    public Path sensitivityText(Path modelDir) {
        Path file = calibrationText(modelDir);
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("per_layer = sensitivity measures each layer's cost on calibration text, and "
                    + (file != null ? file + " does not exist" : modelDir == null ? "the model has no folder"
                            : "the model folder has no " + DEFAULT_CALIBRATION_TEXT)
                    + ": give calibration_data (--calibration-data FILE)");
        }
        return file;
    }

    /** {@link #applyTo(MoeLanguageModel, CalibrationProfile, List)} reading the profile file, if any, and measuring nothing. */
    public DualSparseRuntime applyTo(MoeLanguageModel lm) {
        return applyTo(lm, null, null);
    }

    /**
     * Partitions every MoE block of {@code lm} and installs the drop rule. The profile supplies
     * the neuron order and the thresholds of a target drop rate.
     *
     * @param measured {@code lm}'s profile measured from calibration text, or null to read the
     *     {@code profile} file, if any
     * @param sensitivitySequences with {@link PerLayer#SENSITIVITY}, the tokenised {@link
     *     #sensitivityText}, of which the first {@code sensitivityTokens} are measured; else unused
     */
    public DualSparseRuntime applyTo(MoeLanguageModel lm, CalibrationProfile measured, List<long[]> sensitivitySequences) {
        List<SparseMoeBlock> blocks = MoeBlocks.of(lm.block());
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("the model has no sparse-MoE layer to partition");
        }
        boolean targeted = !Double.isNaN(dropRate);
        CalibrationProfile calibration = measured != null ? measured
                : profile != null ? CalibrationProfile.loadFor(profile, lm) : null;
        if (needsProfile() && calibration == null) {
            throw new MissingProfileException((targeted ? "a target drop rate" : reconstruction == Reconstruction.PROFILE
                    ? "profile reconstruction" : "EES without a beta") + " needs a calibration profile: add the argument profile"
                    + " (a file from `calibrate`) or calibration_data (a text file to calibrate on when the model loads)");
        }
        if (targeted && method != Method.ONE_T && method != Method.TWO_T) {
            throw new IllegalArgumentException("a target drop rate is solved into 1t/2t thresholds, not for method " + method.id());
        }
        boolean sensitivity = perLayer == PerLayer.SENSITIVITY;
        if (sensitivity && !targeted) {
            throw new IllegalArgumentException("per_layer = sensitivity spreads a target drop rate: give drop_rate too");
        }
        if (sensitivity && (sensitivitySequences == null || sensitivityTokens < 1)) {
            throw new IllegalArgumentException("per_layer = sensitivity needs calibration tokens to measure on"
                    + " (sensitivity_tokens = " + sensitivityTokens + ")");
        }
        Router.Spec routing = blocks.get(0).router().spec();
        DropPolicy policy = sensitivity ? DropPolicy.NONE
                : targeted ? solved(calibration)
                : method == Method.EES && Double.isNaN(beta) ? new EesDropPolicy(calibration.eesBeta())
                : policy(routing.topK(), routing.numExperts());
        DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), parts, reconstruction,
                calibration == null ? null : calibration.neuronOrder(), policy);
        if (sensitivity) {
            dualSparse.setPolicy(sensitivityWeighted(lm, dualSparse, calibration, sensitivitySequences));
        }
        return dualSparse;
    }

    private DropPolicy solved(CalibrationProfile calibration) {
        ThresholdSolver solver = new ThresholdSolver(calibration, parts);
        return perLayer == PerLayer.EQUAL ? solver.perLayerEqual(dropRate, thresholdDelta()) : solver.global(dropRate, thresholdDelta());
    }

    /** Measures every layer's cost curve on the first {@code sensitivityTokens} tokens, then splits the target by them. */
    private DropPolicy sensitivityWeighted(MoeLanguageModel lm, DualSparseRuntime dualSparse, CalibrationProfile calibration,
            List<long[]> sequences) {
        ThresholdSolver solver = new ThresholdSolver(calibration, parts);
        int window = Math.min(SENSITIVITY_WINDOW, lm.config().decoder().maxPositions());
        SortedMap<Integer, SensitivityCurve> curves = LayerSensitivity.measure(lm, dualSparse, solver, dropRate,
                thresholdDelta(), Chunks.first(sequences, sensitivityTokens), window);
        return solver.sensitivityWeighted(dropRate, thresholdDelta(), curves);
    }

    private double thresholdDelta() {
        return method == Method.TWO_T ? delta : 0;
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
