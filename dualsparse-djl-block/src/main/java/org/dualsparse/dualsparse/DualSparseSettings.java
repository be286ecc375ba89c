package org.dualsparse.dualsparse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import org.dualsparse.arguments.ArgumentReader;
import org.dualsparse.arguments.Range;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.calibration.LayerSensitivity;
import org.dualsparse.dualsparse.calibration.SensitivityCurve;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.CapacityDropPolicy;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.EesDropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.drop.TopPDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * The user-facing switches of the method, shared by the command line and DJL Criteria
 * arguments: how to partition, how to reorder neurons and which drop rule to run. {@link
 * #fromArguments} is the one reader of them (the command line gives its switches as the same
 * arguments) and holds every default; the constructor refuses combinations that cannot run.
 *
 * @param parts sub-experts per expert
 * @param majorFraction the share of them a major-only pair computes, a whole number of them; NaN
 *     for the first half ({@link Partition#halves})
 * @param threshold {@code T} for 1T/2T
 * @param margin 2T's {@code δ}, fixed or a fraction of {@code T} (1T uses none)
 * @param beta EES {@code β}; NaN takes the profile's calibrated median {@code s2/s1} (and is
 *     the value of every other method)
 * @param topP top-p routing mass; NaN for every other method
 * @param capacityFactor capacity baseline {@code γ}; NaN for every other method
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
        double majorFraction,
        Method method,
        double threshold,
        Margin margin,
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

    /** Sub-experts per expert when {@code partition} is not given. */
    public static final int DEFAULT_PARTS = 2;

    /** 2T's margin when neither {@code delta} nor {@code relative_delta} is given: {@code δ = ρ·T}, the frontier's pick (README). */
    public static final Margin DEFAULT_MARGIN = Margin.relative(DualSparseSettings.DEFAULT_RELATIVE_DELTA);

    /** {@code ρ} of {@link #DEFAULT_MARGIN}. */
    public static final double DEFAULT_RELATIVE_DELTA = 0.5;

    /**
     * How a target drop rate is spread over the layers when {@code per_layer} is not given: each
     * layer its own threshold at the target rate, the frontier's pick (README).
     */
    public static final PerLayer DEFAULT_PER_LAYER = PerLayer.EQUAL;

    /** The neuron order when {@code reconstruct} is not given. */
    public static final Reconstruction DEFAULT_RECONSTRUCTION = Reconstruction.WEIGHT;

    /** EES {@code β} when neither {@code beta} nor a calibration profile to take it from is given. */
    public static final double DEFAULT_BETA = 0.5;

    /** {@code routing_top_p} of {@link Method#TOP_P} when not given. */
    public static final double DEFAULT_TOP_P = 0.9;

    /** {@code capacity_factor} of {@link Method#CAPACITY} when not given. */
    public static final double DEFAULT_CAPACITY_FACTOR = 1.0;

    /** {@code sensitivity_tokens} when not given. */
    public static final long DEFAULT_SENSITIVITY_TOKENS = 1024;

    /** The neuron orders by their argument names. */
    public static final Map<String, Reconstruction> RECONSTRUCTIONS = Collections.unmodifiableMap(
            ArgumentReader.names(r -> r.name().toLowerCase(Locale.ROOT), Reconstruction.values()));

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

        /** The splits by their argument names: {@link #id} and the synonyms {@code global} and {@code true}. */
        static Map<String, PerLayer> names() {
            Map<String, PerLayer> names = ArgumentReader.names(PerLayer::id, values());
            names.put("global", GLOBAL);
            names.put("true", EQUAL);
            return names;
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

        private static final Map<String, Method> NAMES = ArgumentReader.names(Method::id, values());

        /** The method named {@code id} (any case), for command-line lists of methods. */
        public static Method parse(String id) {
            Method method = NAMES.get(id.toLowerCase(Locale.ROOT));
            if (method == null) {
                throw new IllegalArgumentException("unknown method \"" + id + "\"; use one of " + String.join(", ", NAMES.keySet()));
            }
            return method;
        }
    }

    /** Criteria argument keys. */
    public static final List<String> ARGUMENTS = List.of("partition", "major_fraction", "method", "threshold", "delta", "relative_delta", "reconstruct",
            "beta", "routing_top_p", "capacity_factor", "force_threshold", "profile", "calibration_data", "drop_rate",
            "per_layer", "sensitivity_tokens");

    /** The arguments that choose 2T when no {@code method} is given; without them nothing is dropped. */
    private static final List<String> DROPPING = List.of("threshold", "delta", "relative_delta", "drop_rate");

    private static final Map<String, PerLayer> PER_LAYER_NAMES = PerLayer.names();

    /**
     * Refuses the combinations that cannot run: a method's knob with another method, both a
     * profile and text to measure one from (except for {@link PerLayer#SENSITIVITY}, which
     * measures layer costs on the text), a target drop rate for a rule it is not solved into, and
     * a per-layer sensitivity split without a target to split.
     */
    public DualSparseSettings {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(margin, "margin");
        Objects.requireNonNull(reconstruction, "reconstruction");
        Objects.requireNonNull(perLayer, "perLayer");
        if (!Double.isNaN(majorFraction)) {
            try {
                Partition.of(parts, majorFraction);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("arguments partition = " + parts + " and major_fraction = " + majorFraction
                        + " do not go together: " + e.getMessage(), e);
            }
        }
        requireOwnMethod("beta", beta, Method.EES, method);
        requireOwnMethod("routing_top_p", topP, Method.TOP_P, method);
        requireOwnMethod("capacity_factor", capacityFactor, Method.CAPACITY, method);
        if (profile != null && calibrationData != null && perLayer != PerLayer.SENSITIVITY) {
            throw new IllegalArgumentException("give a calibration profile or calibration_data to measure one from, not both"
                    + " (both only with per_layer = sensitivity, which measures layer costs on the text)");
        }
        boolean targeted = !Double.isNaN(dropRate);
        if (targeted && method != Method.ONE_T && method != Method.TWO_T) {
            throw new IllegalArgumentException("a target drop rate is solved into 1t/2t thresholds, not for method " + method.id());
        }
        if (perLayer == PerLayer.SENSITIVITY && !targeted) {
            throw new IllegalArgumentException("per_layer = sensitivity spreads a target drop rate: give drop_rate too");
        }
    }

    /**
     * Reads the settings from DJL Criteria arguments; returns null when none of {@link
     * #ARGUMENTS} is present (the model then runs unmodified). Without {@code method}, a
     * threshold, δ or target drop rate means 2T and anything else (such as {@code partition}
     * alone) partitions without dropping. 2T's margin is {@code delta} (a fixed {@code δ}) or
     * {@code relative_delta} ({@code ρ}, {@code δ = ρ·T}), by default {@link #DEFAULT_MARGIN}.
     *
     * @throws org.dualsparse.arguments.InvalidArgumentException for a value of the wrong type or
     *     outside its range
     * @throws IllegalArgumentException for arguments that do not go together
     */
    public static DualSparseSettings fromArguments(Map<String, ?> arguments) {
        ArgumentReader args = new ArgumentReader(arguments);
        if (ARGUMENTS.stream().noneMatch(args::has)) {
            return null;
        }
        Method method = args.choice("method", Method.NAMES)
                .orElse(DROPPING.stream().anyMatch(args::has) ? Method.TWO_T : Method.NONE);
        double threshold = args.number("threshold", Range.atLeast(0)).orElse(0.0);
        if (args.has("delta") && args.has("relative_delta")) {
            throw new IllegalArgumentException("give 2T's margin as delta (a fixed δ) or relative_delta (δ = ρ·T), not both");
        }
        Margin margin = args.number("delta", Range.atLeast(0)).map(Margin::absolute)
                .or(() -> args.number("relative_delta", Range.closed(0, 1)).map(Margin::relative))
                .orElse(method == Method.TWO_T ? DEFAULT_MARGIN : Margin.NONE);
        Path profile = args.path("profile").orElse(null);
        Path calibrationData = args.path("calibration_data").orElse(null);
        boolean calibrated = profile != null || calibrationData != null;
        return new DualSparseSettings(
                args.integer("partition", Range.atLeast(1)).orElse(DEFAULT_PARTS),
                args.number("major_fraction", Range.aboveUpTo(0, 1)).orElse(Double.NaN),
                method,
                threshold,
                margin,
                args.choice("reconstruct", RECONSTRUCTIONS).orElse(DEFAULT_RECONSTRUCTION),
                args.number("beta", Range.closed(0, 1))
                        .orElse(method == Method.EES && !calibrated ? DEFAULT_BETA : Double.NaN),
                args.number("routing_top_p", Range.aboveUpTo(0, 1)).orElse(method == Method.TOP_P ? DEFAULT_TOP_P : Double.NaN),
                args.number("capacity_factor", Range.above(0))
                        .orElse(method == Method.CAPACITY ? DEFAULT_CAPACITY_FACTOR : Double.NaN),
                args.bool("force_threshold").orElse(false),
                profile,
                calibrationData,
                args.number("drop_rate", Range.closed(0, 1)).orElse(Double.NaN),
                args.choice("per_layer", PER_LAYER_NAMES).orElse(DEFAULT_PER_LAYER),
                args.wholeNumber("sensitivity_tokens", Range.atLeast(1)).orElse(DEFAULT_SENSITIVITY_TOKENS));
    }

    /** How the experts are split: {@code parts} sub-experts, {@code majorFraction} of them (or half) major. */
    public Partition partition() {
        return Double.isNaN(majorFraction) ? Partition.halves(parts) : Partition.of(parts, majorFraction);
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
     * @param measured {@code lm}'s profile, measured from calibration text or read already, or null
     *     to read the {@code profile} file, if any
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
        boolean sensitivity = perLayer == PerLayer.SENSITIVITY;
        if (sensitivity && sensitivitySequences == null) {
            throw new IllegalArgumentException("per_layer = sensitivity needs calibration tokens to measure on");
        }
        Router.Spec routing = blocks.get(0).router().spec();
        DropPolicy policy = sensitivity ? DropPolicy.NONE
                : targeted ? solved(calibration)
                : method == Method.EES && Double.isNaN(beta) ? new EesDropPolicy(calibration.eesBeta())
                : policy(routing.topK(), routing.numExperts());
        DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), partition(), reconstruction,
                calibration == null ? null : calibration.neuronOrder(), policy);
        if (sensitivity) {
            dualSparse.setPolicy(sensitivityWeighted(lm, dualSparse, calibration, sensitivitySequences));
        }
        return dualSparse;
    }

    private DropPolicy solved(CalibrationProfile calibration) {
        ThresholdSolver solver = new ThresholdSolver(calibration, partition());
        return perLayer == PerLayer.EQUAL ? solver.perLayerEqual(dropRate, thresholdMargin()) : solver.global(dropRate, thresholdMargin());
    }

    /** Measures every layer's cost curve on the first {@code sensitivityTokens} tokens, then splits the target by them. */
    private DropPolicy sensitivityWeighted(MoeLanguageModel lm, DualSparseRuntime dualSparse, CalibrationProfile calibration,
            List<long[]> sequences) {
        ThresholdSolver solver = new ThresholdSolver(calibration, partition());
        int window = Math.min(SENSITIVITY_WINDOW, lm.config().decoder().maxPositions());
        SortedMap<Integer, SensitivityCurve> curves = LayerSensitivity.measure(lm, dualSparse, solver, dropRate,
                thresholdMargin(), Chunks.first(sequences, sensitivityTokens), window);
        return solver.sensitivityWeighted(dropRate, thresholdMargin(), curves);
    }

    private Margin thresholdMargin() {
        return method == Method.TWO_T ? margin : Margin.NONE;
    }

    /** The drop rule for a model routing {@code topK} of {@code numExperts} experts per token. */
    public DropPolicy policy(int topK, int numExperts) {
        return switch (method) {
            case NONE -> DropPolicy.NONE;
            case ONE_T -> ThresholdDropPolicy.global(threshold, Margin.NONE, topK, force);
            case TWO_T -> ThresholdDropPolicy.global(threshold, margin, topK, force);
            case EES -> new EesDropPolicy(beta);
            case TOP_P -> new TopPDropPolicy(topP);
            case CAPACITY -> new CapacityDropPolicy(capacityFactor, numExperts);
        };
    }

    private static void requireOwnMethod(String argument, double value, Method owner, Method method) {
        if (!Double.isNaN(value) && method != owner) {
            throw new IllegalArgumentException("argument " + argument + " belongs to method " + owner.id()
                    + ", not " + method.id() + ": add method=" + owner.id());
        }
    }
}
