package org.dualsparse.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.bench.MoeLayerBenchmark;
import org.dualsparse.model.TorchEngine;
import org.dualsparse.plot.Png;
import org.dualsparse.plot.SpeedupChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench moe}: one MoE layer of real shapes, dense vs DualSparse at target drop rates. */
@Command(name = "moe", mixinStandardHelpOptions = true,
        description = "Time one MoE layer of real shapes: dense grouped block vs DualSparse 1T/2T at target drop rates.")
final class BenchMoeCommand implements Callable<Integer> {

    private static final Map<String, String> ARCHITECTURES = Map.of(
            "olmoe", "olmoe-1b-7b",
            "mixtral", "mixtral-8x7b",
            "deepseek-v2-lite", "deepseek-v2-lite",
            "qwen3-moe", "qwen3-moe-30b-a3b");

    @Option(names = "--arch", defaultValue = "olmoe", description = "olmoe, mixtral, deepseek-v2-lite or qwen3-moe (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--tokens", split = ",", defaultValue = "1,16,128,512", description = "Tokens per call (default ${DEFAULT-VALUE}).")
    List<Integer> tokens;

    @Option(names = "--drop-rates", split = ",", defaultValue = "0,0.1,0.25,0.4", description = "Target drop rates (default ${DEFAULT-VALUE}).")
    List<Double> dropRates;

    @Option(names = "--methods", split = ",", defaultValue = "1t,2t", description = "1t and/or 2t (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--delta", defaultValue = "0.01", description = "2T δ (default ${DEFAULT-VALUE}).")
    double delta;

    @Option(names = "--hidden-scale", defaultValue = "0.5", description = "σ of the synthetic hidden states (default ${DEFAULT-VALUE}).")
    double hiddenScale;

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

    @Override
    public Integer call() throws IOException {
        String preset = ARCHITECTURES.get(arch);
        if (preset == null) {
            throw new IllegalArgumentException("unknown --arch " + arch + "; use one of " + ARCHITECTURES.keySet());
        }
        for (String method : methods) {
            if (!method.equals("1t") && !method.equals("2t")) {
                throw new IllegalArgumentException("--methods takes 1t and 2t, got " + method);
            }
        }
        TorchEngine.get();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        MoeLayerBenchmark.Result result = new MoeLayerBenchmark(new MoeLayerBenchmark.Setup(
                preset, tokens, dropRates, methods, delta, 2, hiddenScale, warmUp, repeats, 7)).run();
        if (png != null) {
            Png.write(SpeedupChart.of(arch + " MoE layer: DualSparse vs dense", result.rows()), png);
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("arch", arch);
            out.put("mean_top1_score", result.meanTopOneScore());
            out.put("rows", result.rows());
            System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(out));
            return 0;
        }
        System.out.printf("%s (%s), synthetic routing: mean normalised top-1 score %.3f%n", arch, preset, result.meanTopOneScore());
        System.out.println("| tokens | method | target | realised | T | median ms (p25–p75) | dense ms | speedup | ideal | % of ideal |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (MoeLayerBenchmark.Row r : result.rows()) {
            System.out.printf("| %d | %s | %.2f | %.3f | %.4f | %.2f (%.2f–%.2f) | %.2f | %.2fx | %.2fx | %.0f%% |%n",
                    r.tokens(), r.method(), r.targetDropRate(), r.realisedDropRate(), r.threshold(), r.medianMs(),
                    r.p25Ms(), r.p75Ms(), r.denseMedianMs(), r.speedup(), r.idealSpeedup(), r.percentOfIdeal());
        }
        return 0;
    }
}
