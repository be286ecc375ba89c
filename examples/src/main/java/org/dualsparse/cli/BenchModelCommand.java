package org.dualsparse.cli;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.bench.ModelBenchmark;
import org.dualsparse.dualsparse.DualSparse;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.model.TorchEngine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench model}: prefill and decode speed of a whole model with a KV cache. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Time a whole model: prefill and KV-cached decode tokens/s, optionally with DualSparse dropping.")
final class BenchModelCommand implements Callable<Integer> {

    /** A checkpoint, or a preset's shapes with random weights. */
    static final class ModelSource {

        @Option(names = "--model", required = true, description = "Model folder: config.json + *.safetensors.")
        Path dir;

        @Option(names = "--preset", required = true, description = "A preset's shapes (vocabulary included) with random weights.")
        String preset;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    ModelSource source;

    @Option(names = "--layers", defaultValue = "0", description = "With --preset: decoder layers (default: the preset's).")
    int layers;

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen", defaultValue = "64", description = "Decode steps (default ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed generations (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warm-up", defaultValue = "1", description = "Untimed generations first (default ${DEFAULT-VALUE}).")
    int warmUp;

    @Option(names = "--threads", description = "libtorch intra-op threads.")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    DualSparseOptions dualSparse;

    @Override
    public Integer call() {
        if (layers != 0 && source.preset == null) {
            throw new IllegalArgumentException("--layers applies to --preset only");
        }
        TorchEngine.get();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        try (MoeLanguageModel lm = source.preset != null
                ? MoeLanguageModel.random(Presets.load(source.preset, layers), 7)
                : MoeLanguageModel.load(source.dir)) {
            DualSparse method = dualSparse.apply(lm);
            ModelBenchmark.Result result = new ModelBenchmark(
                    new ModelBenchmark.Setup(promptTokens, gen, warmUp, repeats, 7)).run(lm);
            String name = source.preset != null ? "preset " + source.preset : source.dir.toString();
            print(name, lm.block().layers().size(), result, method);
        }
        return 0;
    }

    private void print(String name, int modelLayers, ModelBenchmark.Result r, DualSparse method) {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", name);
            out.put("layers", modelLayers);
            out.put("prompt_tokens", r.promptTokens());
            out.put("gen", r.decodeSteps());
            out.put("repeats", repeats);
            out.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
            out.put("decode_tokens_per_second", r.decodeTokensPerSecond());
            out.put("decode_ms_first_quarter", r.firstQuarterDecodeMs());
            out.put("decode_ms_last_quarter", r.lastQuarterDecodeMs());
            if (method != null) {
                out.put("drop_rate", method.stats().dropRate());
            }
            System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(out));
            return;
        }
        System.out.printf("%s, %d layers, median of %d%n", name, modelLayers, repeats);
        System.out.printf("prefill %d tokens: %.1f tokens/s%n", r.promptTokens(), r.prefillTokensPerSecond());
        System.out.printf("decode %d tokens: %.1f tokens/s; %.1f ms/token over the first quarter, %.1f over the last%n",
                r.decodeSteps(), r.decodeTokensPerSecond(), r.firstQuarterDecodeMs(), r.lastQuarterDecodeMs());
        if (method != null) {
            System.out.printf("DualSparse drop rate %.2f%%%n", 100 * method.stats().dropRate());
        }
    }
}
