package org.dualsparse.dualsparse;

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
 * @param profile a calibration profile of the model, or null
 * @param dropRate a target decision drop rate solved into thresholds from {@code profile}
 *     (1T/2T), or NaN to use {@code threshold}
 * @param perLayer how {@code dropRate} is spread over the layers
 * @param sensitivityData the text {@link PerLayer#SENSITIVITY} measures each layer's cost on, or
 *     null for the model folder's {@link #DEFAULT_SENSITIVITY_DATA}
 * @param sensitivityTokens how many of its tokens the measurement uses
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
        PerLayer perLayer,
        Path sensitivityData,
        long sensitivityTokens) {

    /** Where {@code sensitivity_data} defaults to, inside the model folder: the shipped model's calibration text. */
    public static final Path DEFAULT_SENSITIVITY_DATA = Path.of("eval", "calibration.txt");

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
            "beta", "routing_top_p", "capacity_factor", "force_threshold", "profile", "drop_rate", "per_layer",
            "sensitivity_data", "sensitivity_tokens");

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
                PerLayer.parse(string(arguments, "per_layer", "false")),
                arguments.containsKey("sensitivity_data") ? Path.of(string(arguments, "sensitivity_data", "")) : null,
                (long) number(arguments, "sensitivity_tokens", 1024));
    }

    /**
     * The text file {@link PerLayer#SENSITIVITY} measures on for the model in {@code modelDir}
     * (null for a model with no folder): {@code sensitivity_data}, else the folder's {@link
     * #DEFAULT_SENSITIVITY_DATA}.
     *
     * @throws IllegalArgumentException when neither is given or exists
     */
    public Path sensitivityText(Path modelDir) {
        Path file = sensitivityData != null ? sensitivityData
                : modelDir != null ? modelDir.resolve(DEFAULT_SENSITIVITY_DATA) : null;
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("per_layer = sensitivity measures each layer's cost on calibration text, and "
                    + (file == null ? "the model has no folder" : file + " does not exist")
                    + ": give sensitivity_data (--sensitivity-data FILE)");
        }
        return file;
    }

    /** {@link #applyTo(MoeLanguageModel, List)} for settings that measure nothing ({@code perLayer} not sensitivity). */
    public DualSparse applyTo(MoeLanguageModel lm) {
        return applyTo(lm, null);
    }

    /**
     * Partitions every MoE block of {@code lm} and installs the drop rule; a profile, when given,
     * must be {@code lm}'s and supplies the neuron order and the thresholds of a target drop rate.
     *
     * @param sensitivitySequences with {@link PerLayer#SENSITIVITY}, the tokenised {@link
     *     #sensitivityText}, of which the first {@code sensitivityTokens} are measured; else unused
     */
    public DualSparse applyTo(MoeLanguageModel lm, List<long[]> sensitivitySequences) {
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
        boolean measured = perLayer == PerLayer.SENSITIVITY;
        if (measured && !targeted) {
            throw new IllegalArgumentException("per_layer = sensitivity spreads a target drop rate: give drop_rate too");
        }
        if (measured && (sensitivitySequences == null || sensitivityTokens < 1)) {
            throw new IllegalArgumentException("per_layer = sensitivity needs calibration tokens to measure on"
                    + " (sensitivity_tokens = " + sensitivityTokens + ")");
        }
        CalibrationProfile calibration = profile == null ? null : CalibrationProfile.loadFor(profile, lm);
        Router.Spec routing = blocks.get(0).router().spec();
        DropPolicy policy = measured ? DropPolicy.NONE
                : targeted ? solved(calibration)
                : method == Method.EES && Double.isNaN(beta) && calibration != null ? new EesDropPolicy(calibration.eesBeta())
                : policy(routing.topK(), routing.numExperts());
        DualSparse dualSparse = DualSparse.apply(lm.block(), parts, reconstruction,
                calibration == null ? null : calibration.neuronOrder(), policy);
        if (measured) {
            dualSparse.setPolicy(sensitivityWeighted(lm, dualSparse, calibration, sensitivitySequences));
        }
        return dualSparse;
    }

    private DropPolicy solved(CalibrationProfile calibration) {
        ThresholdSolver solver = new ThresholdSolver(calibration, parts);
        return perLayer == PerLayer.EQUAL ? solver.perLayerEqual(dropRate, thresholdDelta()) : solver.global(dropRate, thresholdDelta());
    }

    /** Measures every layer's cost curve on the first {@code sensitivityTokens} tokens, then splits the target by them. */
    private DropPolicy sensitivityWeighted(MoeLanguageModel lm, DualSparse dualSparse, CalibrationProfile calibration,
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
