package org.dualsparse.cli;

import ai.djl.repository.zoo.Criteria;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.zoo.LoadTimeCalibration;
import picocli.CommandLine.Option;

/**
 * The DualSparse switches every command that runs a model accepts. They are the Criteria arguments
 * of {@link DualSparseSettings} under command-line names, unset unless given: {@link #settings}
 * reads them with the Criteria's defaults and checks, and {@link #addTo} hands them to a Criteria.
 */
final class DualSparseOptions {

    @Option(names = "--partition", description = "Sub-experts per expert (enables DualSparse; default " + DualSparseSettings.DEFAULT_PARTS
            + " when another DualSparse switch is given)."
            + " Alone it partitions without dropping: the model computes what the unpartitioned one does.")
    Integer partition;

    @Option(names = "--major-fraction", description = "Share of the sub-experts a major-only pair computes, a multiple of"
            + " 1/P (default one half).")
    Double majorFraction;

    @Option(names = "--method", description = "Drop rule: none, 1t, 2t, ees, top-p, capacity"
            + " (default 2t with --threshold, --delta, --relative-delta or --drop-rate, else none).")
    String method;

    @Option(names = "--threshold", description = "Threshold T on normalised scores (1t/2t; default 0).")
    Double threshold;

    @Option(names = "--relative-delta", description = "2T half-gap as a fraction ρ of the threshold, δ = ρ·T (default "
            + DualSparseSettings.DEFAULT_RELATIVE_DELTA + ").")
    Double relativeDelta;

    @Option(names = "--delta", description = "2T half-gap δ, fixed (instead of --relative-delta).")
    Double delta;

    @Option(names = "--reconstruct", description = "Neuron order: none, weight or profile (default weight).")
    String reconstruct;

    @Option(names = "--beta", description = "EES β (default: the profile's median s2/s1 with --profile or --calibration-data, else "
            + DualSparseSettings.DEFAULT_BETA + ").")
    Double beta;

    @Option(names = "--routing-top-p", description = "Top-p routing mass for --method top-p (default " + DualSparseSettings.DEFAULT_TOP_P + ").")
    Double topP;

    @Option(names = "--capacity-factor", description = "Capacity baseline γ (default " + DualSparseSettings.DEFAULT_CAPACITY_FACTOR + ").")
    Double capacityFactor;

    @Option(names = "--force-threshold", description = "Allow T ≥ 1/K, which can drop a token's top-1 expert.")
    boolean forceThreshold;

    @Option(names = "--profile", description = "Calibration profile of this model (from `calibrate`).")
    Path profile;

    @Option(names = "--calibration-data", description = "Text (documents separated by blank lines) to measure the calibration"
            + " profile from at load, instead of --profile, and the text --per-layer sensitivity measures layer costs on."
            + " Default: MODEL/eval/calibration.txt if it exists (the shipped model has one).")
    Path calibrationData;

    @Option(names = "--drop-rate", description = "Target decision drop rate (the policy's, the paper's definition), solved into"
            + " 1t/2t thresholds from --profile or --calibration-data.")
    Double dropRate;

    @Option(names = "--per-layer", arity = "0..1", fallbackValue = "equal", paramLabel = "SPLIT",
            description = "With --drop-rate, how the target is spread over the layers. equal (the default, also without this"
                    + " switch): each layer its own threshold at the target rate; sensitivity: the split that costs least by each"
                    + " layer's next-token KL, measured on --calibration-data; global: one threshold for the whole model.")
    String perLayer;

    @Option(names = "--sensitivity-tokens", description = "With --per-layer sensitivity: how many of its tokens to use (default "
            + DualSparseSettings.DEFAULT_SENSITIVITY_TOKENS + ").")
    Long sensitivityTokens;

    /** The switches given, as DJL Criteria arguments (see {@link DualSparseSettings#ARGUMENTS}); empty when none. */
    Map<String, Object> arguments() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        putIfSet(arguments, "partition", partition);
        putIfSet(arguments, "major_fraction", majorFraction);
        putIfSet(arguments, "method", method);
        putIfSet(arguments, "threshold", threshold);
        putIfSet(arguments, "delta", delta);
        putIfSet(arguments, "relative_delta", relativeDelta);
        putIfSet(arguments, "reconstruct", reconstruct);
        putIfSet(arguments, "beta", beta);
        putIfSet(arguments, "routing_top_p", topP);
        putIfSet(arguments, "capacity_factor", capacityFactor);
        if (forceThreshold) {
            arguments.put("force_threshold", true);
        }
        putIfSet(arguments, "profile", profile);
        putIfSet(arguments, "calibration_data", calibrationData);
        putIfSet(arguments, "drop_rate", dropRate);
        putIfSet(arguments, "per_layer", perLayer);
        putIfSet(arguments, "sensitivity_tokens", sensitivityTokens);
        return arguments;
    }

    /** Adds the switches given to a Criteria as arguments. */
    <I, O> Criteria.Builder<I, O> addTo(Criteria.Builder<I, O> criteria) {
        arguments().forEach(criteria::optArgument);
        return criteria;
    }

    /** The settings of the switches given; null when none is. */
    DualSparseSettings settings() {
        return DualSparseSettings.fromArguments(arguments());
    }

    /**
     * Applies the method to {@code lm}, loaded from {@code modelDir} (null for random weights),
     * when any switch is given; null otherwise. A profile measured from calibration text is
     * measured on {@code lm} itself before it is partitioned.
     */
    DualSparseRuntime apply(MoeLanguageModel lm, Path modelDir) {
        DualSparseSettings settings = settings();
        if (settings == null) {
            return null;
        }
        if (modelDir == null && settings.calibrationData() != null) {
            throw new IllegalArgumentException("--calibration-data is tokenised with a model folder's tokenizer: random weights have none");
        }
        CalibrationProfile measured = modelDir == null ? null : LoadTimeCalibration.measureFor(settings, lm, modelDir);
        List<long[]> sensitivityTokens = null;
        if (settings.perLayer() == DualSparseSettings.PerLayer.SENSITIVITY) {
            Path text = settings.sensitivityText(modelDir);
            System.err.printf("measuring each MoE layer's sensitivity on %d tokens of %s%n", settings.sensitivityTokens(), text);
            sensitivityTokens = CalibrationData.text(text, modelDir, settings.sensitivityTokens());
        }
        return settings.applyTo(lm, measured, sensitivityTokens);
    }

    private static void putIfSet(Map<String, Object> arguments, String key, Object value) {
        if (value != null) {
            arguments.put(key, value);
        }
    }

    /**
     * {@code decision_drop_rate} (the policy's, the paper's definition), {@code skipped_work_rate}
     * (what the kernels that ran skipped) and per-layer counts, for JSON output.
     */
    static Map<String, Object> report(DropStats stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("decision_drop_rate", stats.rates().decision());
        out.put("skipped_work_rate", stats.rates().skippedWork());
        List<Map<String, Object>> layers = stats.layers().stream().map(l -> {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", l.layer());
            layer.put("full", l.full());
            layer.put("major", l.major());
            layer.put("dropped", l.dropped());
            layer.put("computed_neuron_rows", l.computedNeuronRows());
            layer.put("decision_drop_rate", l.rates().decision());
            layer.put("skipped_work_rate", l.rates().skippedWork());
            layer.put("expert_loads", l.expertLoads());
            return layer;
        }).toList();
        out.put("layers", layers);
        return out;
    }
}
