package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import java.util.stream.Stream;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.NextTokenAgreement;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.parallel.ExpertParallelSimulator.Comparison;
import org.dualsparse.dualsparse.parallel.ExpertParallelSimulator.LayerResult;
import org.dualsparse.dualsparse.parallel.ExpertParallelSimulator.Result;
import org.dualsparse.dualsparse.parallel.ExpertParallelSimulator;
import org.dualsparse.dualsparse.parallel.ExpertPlacement;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.PlacementFile;
import org.dualsparse.dualsparse.parallel.PlacementPlan;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.dualsparse.parallel.RoutingTrace;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.plot.ExpertParallelChart;
import org.dualsparse.plot.Png;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Simulates expert parallelism on one machine: uniform thresholds for a target drop rate against
 * load-aware ones at the same realised drop rate, by modelled MoE-layer speedup and by how closely
 * each dropping model follows the undropped one.
 */
@Command(name = "ep-sim", mixinStandardHelpOptions = true,
        description = "Simulate expert parallelism: per-device loads and modelled speedup of uniform vs load-aware thresholds.")
final class EpSimCommand implements Callable<Integer> {

    private static final int MAX_LENGTH = 512;

    @Option(names = "--model", description = "Model folder: config.json + *.safetensors." + ShippedModel.DEFAULT)
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    TokenSource source;

    @Option(names = "--tokens", defaultValue = "4096", description = "Tokens to use at most (default ${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--devices", defaultValue = "8", description = "Simulated devices (default ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--drop-rate", required = true, description = "Target drop rate of the uniform thresholds.")
    double dropRate;

    @Option(names = "--placement", defaultValue = "contiguous",
            description = "contiguous, round-robin, or a placement file (default ${DEFAULT-VALUE}).")
    String placement;

    @Option(names = "--redundant", defaultValue = "0",
            description = "Extra expert slots per device, filled with copies of the most loaded experts (default ${DEFAULT-VALUE}).")
    int redundant;

    @Option(names = "--method", defaultValue = "2t", description = "1t or 2t (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--trace-out", description = "Write the recorded routings here.")
    Path traceOut;

    @Option(names = "--trace", description = "Replay these routings instead of recording them; the tokens still measure accuracy.")
    Path trace;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--png", description = "Also draw modelled speedup vs next-token KL of both policies to this PNG file.")
    Path png;

    @Option(names = "--drop-rates", split = ",",
            description = "With --png: plot one point per target drop rate in this list (default: --drop-rate only).")
    List<Double> chartDropRates;

    @Mixin
    BackendOptions backend;

    /** Both policies at one target drop rate, and how closely each follows the undropped model. */
    private record Evaluated(Comparison comparison, List<NextTokenAgreement.Score> agreement) {

        Stream<ExpertParallelChart.Point> points() {
            return Stream.of(
                    new ExpertParallelChart.Point("uniform", comparison.uniform().speedup(), agreement.get(0).kl()),
                    new ExpertParallelChart.Point("load-aware", comparison.loadAware().speedup(), agreement.get(1).kl()));
        }
    }

    @Override
    public Integer call() throws IOException {
        model = ShippedModel.orDefault(model);
        LoadOptions loadOptions = backend.loadOptions();
        Margin margin = switch (method) {
            case "1t" -> Margin.NONE;
            case "2t" -> DualSparseSettings.DEFAULT_MARGIN;
            default -> throw new IllegalArgumentException("--method must be 1t or 2t, got " + method);
        };
        if (chartDropRates != null && png == null) {
            throw new IllegalArgumentException("--drop-rates only chooses the points of --png");
        }
        List<long[]> sequences = TokenSource.sequences(source, model, TokenSource.HELDOUT, tokens);
        try (MoeLanguageModel lm = MoeLanguageModel.load(model, loadOptions)) {
            DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, DropPolicy.NONE);
            int length = Math.min(MAX_LENGTH, lm.config().decoder().maxPositions());
            List<LayerRouting> batches = trace != null
                    ? RoutingTrace.read(trace)
                    : RoutingRecorder.record(lm, dualSparse, sequences, length);
            if (traceOut != null) {
                RoutingTrace.write(traceOut, batches);
            }
            Map<Integer, DropStats.LayerShape> shapes = dualSparse.stats().shapes();
            int experts = shapes.values().iterator().next().numExperts();
            PlacementPlan plan = placement(experts, batches.get(0).layer());
            if (redundant > 0) {
                plan = plan.withReplicas(LayerRouting.expertLoads(batches, experts), redundant);
            }
            int topK = batches.get(0).routing().topK();
            ExpertParallelSimulator simulator = new ExpertParallelSimulator(batches, plan, shapes);
            DoubleFunction<Evaluated> evaluate = rate -> {
                Comparison comparison = simulator.compare(rate, margin, topK);
                return new Evaluated(comparison, NextTokenAgreement.measure(lm, dualSparse, sequences, length,
                        List.of(comparison.uniformPolicy(), comparison.loadAwarePolicy()), null));
            };
            Evaluated requested = evaluate.apply(dropRate);
            print(requested.comparison(), requested.agreement());
            if (png != null) {
                List<Evaluated> sweep = chartDropRates == null ? List.of(requested)
                        : chartDropRates.stream().map(r -> r == dropRate ? requested : evaluate.apply(r)).toList();
                Png.write(ExpertParallelChart.of(devices + " simulated devices, " + method,
                        sweep.stream().flatMap(Evaluated::points).toList()), png);
            }
        }
        return 0;
    }

    private PlacementPlan placement(int experts, int someLayer) throws IOException {
        PlacementPlan plan = switch (placement) {
            case "contiguous" -> PlacementPlan.uniform(ExpertPlacement.contiguous(experts, devices));
            case "round-robin" -> PlacementPlan.uniform(ExpertPlacement.roundRobin(experts, devices));
            default -> PlacementFile.read(Path.of(placement), experts);
        };
        int placed = plan.layer(someLayer).devices();
        if (placed != devices) {
            throw new IllegalArgumentException("--devices " + devices + " but " + placement + " places experts on " + placed);
        }
        return plan;
    }

    private void print(Comparison c, List<NextTokenAgreement.Score> agreement) {
        Map<String, Object> uniform = report(c.uniform(), agreement.get(0));
        uniform.put("threshold", c.threshold());
        Map<String, Object> loadAware = report(c.loadAware(), agreement.get(1));
        loadAware.put("max_threshold", c.maxThreshold());
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("devices", devices);
            out.put("placement", placement);
            out.put("redundant", redundant);
            out.put("method", method);
            out.put("target_drop_rate", dropRate);
            out.put("uniform", uniform);
            out.put("load_aware", loadAware);
            System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(out));
            return;
        }
        System.out.printf("%d devices, %s placement, %d redundant slots per device, %s%n", devices, placement, redundant, method);
        table("uniform T = " + c.threshold(), c.uniform(), agreement.get(0));
        table("load-aware T_max = " + c.maxThreshold(), c.loadAware(), agreement.get(1));
    }

    /**
     * The simulated figures: the decision drop rate on the replayed routings (the devices' loads
     * count what the policy decided), then the skipped-work rate of the KL passes, where the
     * model ran the policy on one machine.
     */
    private static Map<String, Object> report(Result result, NextTokenAgreement.Score score) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("decision_drop_rate", result.dropRate());
        out.put("skipped_work_rate_in_kl_run", score.dropRates().skippedWork());
        out.put("speedup", result.speedup());
        out.put("kl", score.kl());
        out.put("top1_agreement", score.top1Agreement());
        out.put("layers", result.layers().stream().map(l -> {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", l.layer());
            layer.put("max_before", l.maxBefore());
            layer.put("max_after", l.maxAfter());
            layer.put("mean_before", l.meanBefore());
            layer.put("mean_after", l.meanAfter());
            layer.put("speedup", l.speedup());
            layer.put("decision_drop_rate", l.dropRate());
            return layer;
        }).toList());
        return out;
    }

    private static void table(String title, Result result, NextTokenAgreement.Score score) {
        System.out.println(title);
        System.out.printf("  %5s %10s %10s %10s %10s %8s %9s%n",
                "layer", "max before", "max after", "mean bef.", "mean aft.", "speedup", "decision");
        for (LayerResult l : result.layers()) {
            System.out.printf("  %5d %10.2f %10.2f %10.2f %10.2f %7.3fx %8.2f%%%n", l.layer(), l.maxBefore(), l.maxAfter(),
                    l.meanBefore(), l.meanAfter(), l.speedup(), 100 * l.dropRate());
        }
        System.out.printf("  total: speedup %.3fx, decision drop rate %.2f%%, next-token KL %.5f, top-1 agreement %.2f%%"
                        + " (skipped work in the KL run %.2f%%)%n",
                result.speedup(), 100 * result.dropRate(), score.kl(), 100 * score.top1Agreement(),
                100 * score.dropRates().skippedWork());
    }
}
