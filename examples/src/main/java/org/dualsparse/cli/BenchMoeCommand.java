package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.bench.MoeLayerBenchmark;
import org.dualsparse.bench.RouterStatistics;
import org.dualsparse.bench.TrainedRouter;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.plot.Png;
import org.dualsparse.plot.SpeedupChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench moe}: one MoE layer of real shapes, dense vs DualSparse at target drop rates. */
@Command(name = "moe", mixinStandardHelpOptions = true,
        description = "Time one MoE layer of real shapes: dense grouped block vs DualSparse 1T/2T (and the baselines) at"
                + " target drop rates, on hidden states whose routing imitates a trained router's.")
final class BenchMoeCommand implements Callable<Integer> {

    @Option(names = "--arch", defaultValue = "olmoe", description = "Whose layer shapes: " + LayerShapes.NAMES
            + " (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--tokens", split = ",", defaultValue = "1,16,128,512", description = "Tokens per call (default ${DEFAULT-VALUE}).")
    List<Integer> tokens;

    @Option(names = "--drop-rates", split = ",", defaultValue = "0,0.1,0.25,0.4", description = "Target drop rates (default ${DEFAULT-VALUE}).")
    List<Double> dropRates;

    @Option(names = "--methods", split = ",", defaultValue = "1t,2t",
            description = "1t, 2t, ees, top-p, capacity (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Mixin
    MarginOptions margin;

    @Option(names = "--partition", description = "Sub-experts per expert (default " + DualSparseSettings.DEFAULT_PARTS + ").")
    Integer partition;

    @Option(names = "--major-fraction", description = "Share of the sub-experts a major-only pair computes (default one half).")
    Double majorFraction;

    @Option(names = "--routing-model", description = "Trained model whose routers' statistics the synthetic routing imitates."
            + ShippedModel.DEFAULT)
    Path routingModel;

    @Option(names = "--routing-data", description = "Text the trained model routes (.txt or .jsonl). Default: the shipped"
            + " model's held-out text, when --routing-model is not given.")
    Path routingData;

    @Option(names = "--routing-tokens", defaultValue = "4096", description = "Tokens of that text to route (default ${DEFAULT-VALUE}).")
    long routingTokens;

    @Option(names = "--repeats", defaultValue = "9", description = "Timed calls per configuration (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warm-up", defaultValue = "3", description = "Untimed calls first (default ${DEFAULT-VALUE}).")
    int warmUp;

    @Option(names = "--threads", description = "libtorch intra-op threads.")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--png", description = "Also draw speedup vs realised drop rate to this PNG file.")
    Path png;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        HfConfig layer = LayerShapes.layer(arch);
        Partition split = settings().partition();
        Margin band = margin.margin();
        List<MoeLayerBenchmark.Point> points = new ArrayList<>();
        for (String id : methods) {
            Method method = Method.parse(id);
            for (double rate : dropRates) {
                points.add(MoeLayerBenchmark.Point.atRate(method.id(), method, rate, band, split));
            }
        }
        LoadOptions loadOptions = backend.loadOptions();
        TorchEngine.get();
        if (threads != null) {
            TorchEngine.useThreads(threads);
        }
        MoeLayerBenchmark.Result result = new MoeLayerBenchmark(new MoeLayerBenchmark.Setup(
                layer, arch, tokens, points, trainedRouterStatistics(), warmUp, repeats, 7, loadOptions)).run();
        result.unreachable().forEach(u -> System.err.println("skipped " + u));
        if (png != null) {
            Png.write(SpeedupChart.of(arch + " MoE layer: DualSparse vs dense", result.rows()), png);
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("arch", arch);
            out.put("backend", loadOptions.toString());
            if (result.packedWeightBytes() >= 0) {
                out.put("weight_bytes", result.packedWeightBytes());
            }
            out.put("routing_target", result.target());
            out.put("routing_achieved", result.achieved());
            out.put("hidden_sigma", result.sigma());
            out.put("hidden_shared_scale", result.sharedScale());
            out.put("rows", result.rows());
            out.put("unreachable", result.unreachable());
            System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(out));
            return 0;
        }
        System.out.printf("%s (%s) on %s%s: routing fitted to the trained router (concentration %.3f, load CV %.3f),"
                        + " reached %.3f / %.3f with σ = %.3f, c = %.3f%n",
                arch, layer.source(), loadOptions, result.packedWeightBytes() < 0 ? ""
                        : String.format(", %.1f MiB of packed weights", result.packedWeightBytes() / (1024.0 * 1024.0)),
                result.target().concentration(), result.target().loadCv(), result.achieved().concentration(),
                result.achieved().loadCv(), result.sigma(), result.sharedScale());
        System.out.println("| tokens | method | target | realised decision | skipped work | knob | median ms (p25–p75) | dense ms (p25–p75) | speedup | ideal | % of ideal | weight-read bound | arrays (dense) |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (MoeLayerBenchmark.Row r : result.rows()) {
            System.out.printf("| %d | %s | %.2f | %.3f | %.3f | %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.2fx | %.2fx | %.0f%% | %.2fx | %d (%d) |%n",
                    r.tokens(), r.method(), r.targetDropRate(), r.realisedDecisionRate(), r.realisedSkippedWork(),
                    r.knob().isEmpty() ? "-" : String.format("%s = %.4g", r.knob(), r.knobValue()), r.medianMs(),
                    r.p25Ms(), r.p75Ms(), r.denseMedianMs(), r.denseP25Ms(), r.denseP75Ms(), r.speedup(), r.idealSpeedup(),
                    r.percentOfIdeal(), r.weightReadSpeedup(), r.arrays(), r.denseArrays());
        }
        return 0;
    }

    /** The split of the switches given, read with the Criteria's defaults and checks. */
    private DualSparseSettings settings() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("method", Method.TWO_T.id());
        arguments.put("drop_rate", 0.0);
        if (partition != null) {
            arguments.put("partition", partition);
        }
        if (majorFraction != null) {
            arguments.put("major_fraction", majorFraction);
        }
        return DualSparseSettings.fromArguments(arguments);
    }

    private RouterStatistics trainedRouterStatistics() {
        if (routingModel != null && routingData == null) {
            throw new IllegalArgumentException("--routing-model needs --routing-data: the text its routers see");
        }
        Path dir = ShippedModel.orDefault(routingModel);
        return routerStatistics(dir, routingData != null ? routingData : dir.resolve("eval").resolve("heldout.txt"), routingTokens);
    }

    /** The routing statistics of the trained model in {@code dir} on the first {@code tokens} tokens of {@code text}. */
    static RouterStatistics routerStatistics(Path dir, Path text, long tokens) {
        return TrainedRouter.statistics(dir, CalibrationData.text(text, dir, tokens));
    }
}
