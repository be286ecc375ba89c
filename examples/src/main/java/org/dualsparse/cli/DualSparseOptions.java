package org.dualsparse.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dualsparse.dualsparse.DropStats;
import org.dualsparse.dualsparse.DualSparse;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.model.MoeLanguageModel;
import picocli.CommandLine.Option;

/** The DualSparse switches every command that runs a model accepts. */
final class DualSparseOptions {

    @Option(names = "--partition", description = "Sub-experts per expert (enables DualSparse; default 2 when --method is given).")
    Integer partition;

    @Option(names = "--method", description = "Drop rule: none, 1t, 2t, ees, top-p, capacity (default 2t when --partition is given).")
    String method;

    @Option(names = "--threshold", defaultValue = "0", description = "Threshold T on normalised scores (1t/2t).")
    double threshold;

    @Option(names = "--delta", description = "2T half-gap δ (default 0.01).")
    Double delta;

    @Option(names = "--reconstruct", defaultValue = "weight", description = "Neuron order: none or weight (default ${DEFAULT-VALUE}).")
    String reconstruct;

    @Option(names = "--beta", defaultValue = "0.5", description = "EES β (default ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Top-p routing mass (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--capacity-factor", defaultValue = "1.0", description = "Capacity baseline γ (default ${DEFAULT-VALUE}).")
    double capacityFactor;

    @Option(names = "--force-threshold", description = "Allow T ≥ 1/K, which can drop a token's top-1 expert.")
    boolean forceThreshold;

    boolean enabled() {
        return partition != null || method != null;
    }

    /** Applies the method to {@code lm} when enabled; null otherwise. */
    DualSparse apply(MoeLanguageModel lm) {
        if (!enabled()) {
            return null;
        }
        DualSparseSettings.Method rule = DualSparseSettings.Method.parse(method == null ? "2t" : method);
        DualSparseSettings settings = new DualSparseSettings(
                partition == null ? 2 : partition,
                rule,
                threshold,
                delta != null ? delta : rule == DualSparseSettings.Method.TWO_T ? 0.01 : 0,
                DualSparse.Reconstruction.valueOf(reconstruct.toUpperCase(Locale.ROOT)),
                beta,
                topP,
                capacityFactor,
                forceThreshold);
        return settings.applyTo(lm.block(), null);
    }

    /** {@code drop_rate} and per-layer counts, for JSON output. */
    static Map<String, Object> report(DropStats stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("drop_rate", stats.dropRate());
        List<Map<String, Object>> layers = stats.layers().stream().map(l -> {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", l.layer());
            layer.put("full", l.full());
            layer.put("major", l.major());
            layer.put("dropped", l.dropped());
            layer.put("drop_rate", l.dropRate());
            return layer;
        }).toList();
        out.put("layers", layers);
        return out;
    }
}
