package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.plot.ExpertUsageChart;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How often the router picks each expert of each MoE layer, on real tokens. */
@Command(name = "expert-usage", mixinStandardHelpOptions = true,
        description = "Count how often each expert of each MoE layer is routed to, on text or ids.")
final class ExpertUsageCommand implements Callable<Integer> {

    private static final int MAX_LENGTH = 512;

    @Option(names = "--model", description = "Model folder: config.json + *.safetensors." + ShippedModel.DEFAULT)
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    TokenSource source;

    @Option(names = "--tokens", defaultValue = "16384", description = "Tokens to use at most (default ${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--png", description = "Also draw the per-layer histograms to this PNG file.")
    Path png;

    @Option(names = "--json", description = "Print one JSON object: per layer the share of token-expert pairs of each expert.")
    boolean json;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        model = ShippedModel.orDefault(model);
        LoadOptions loadOptions = backend.loadOptions();
        List<long[]> sequences = TokenSource.sequences(source, model, TokenSource.HELDOUT, tokens);
        try (MoeLanguageModel lm = MoeLanguageModel.load(model, loadOptions)) {
            List<SparseMoeBlock> blocks = MoeBlocks.of(lm.block());
            if (blocks.isEmpty()) {
                throw new IllegalArgumentException(model + " has no MoE layer whose experts could be counted");
            }
            int experts = blocks.get(0).numExperts();
            List<LayerRouting> batches = RoutingRecorder.record(lm, sequences,
                    Math.min(MAX_LENGTH, lm.config().decoder().maxPositions()));
            Map<Integer, double[]> shares = new TreeMap<>();
            LayerRouting.expertLoads(batches, experts).forEach((layer, counts) -> shares.put(layer, shares(counts)));
            if (json) {
                System.out.println(new GsonBuilder().create().toJson(Map.of("experts", experts, "layers", shares)));
            } else {
                shares.forEach((layer, share) -> System.out.printf(Locale.ROOT, "layer %d: min %.3f  max %.3f  (uniform %.3f)%n",
                        layer, min(share), max(share), 1.0 / experts));
            }
            if (png != null) {
                ExpertUsageChart.write(shares, png);
            }
        }
        return 0;
    }

    private static double[] shares(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[] shares = new double[counts.length];
        for (int e = 0; e < counts.length; e++) {
            shares[e] = (double) counts[e] / total;
        }
        return shares;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
