package org.dualsparse.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.bench.ModelBenchmark;
import org.dualsparse.bench.Quartiles;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.nn.TorchEngine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench model}: prefill and decode speed of a whole model with a KV cache. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Time a whole model: prefill and KV-cached decode tokens/s; with DualSparseRuntime switches, against a dense copy"
                + " in interleaved rounds.")
final class BenchModelCommand implements Callable<Integer> {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

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

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        if (layers != 0 && source.preset == null) {
            throw new IllegalArgumentException("--layers applies to --preset only");
        }
        LoadOptions loadOptions = backend.loadOptions();
        TorchEngine.get();
        if (threads != null) {
            TorchEngine.useThreads(threads);
        }
        String name = source.preset != null ? "preset " + source.preset : source.dir.toString();
        ModelBenchmark benchmark = new ModelBenchmark(new ModelBenchmark.Setup(promptTokens, gen, warmUp, repeats, 7));
        long loadStart = System.nanoTime();
        try (MoeLanguageModel lm = open(loadOptions)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            Map<String, Object> backendReport = new LinkedHashMap<>(BackendOptions.report(loadOptions, lm));
            backendReport.put("load_seconds", loadSeconds);
            String backendText = String.format("%s, loaded in %.1f s", BackendOptions.describe(loadOptions, lm), loadSeconds);
            DualSparseRuntime method = dualSparse.apply(lm, source.dir);
            Header header = new Header(name, lm.block().layers().size(), backendReport, backendText);
            if (method == null) {
                print(header, benchmark.run(lm));
                return 0;
            }
            try (MoeLanguageModel dense = open(loadOptions)) {
                print(header, benchmark.compare(dense, lm), method);
            }
        }
        return 0;
    }

    /** The model's name and depth, and its backend as JSON fields and in words; taken before DualSparse partitions it. */
    private record Header(String name, int layers, Map<String, Object> backend, String backendText) {}

    private MoeLanguageModel open(LoadOptions options) {
        return source.preset != null
                ? MoeLanguageModel.random(Presets.load(source.preset, layers), 7, options)
                : MoeLanguageModel.load(source.dir, options);
    }

    private void print(Header h, ModelBenchmark.Result r) {
        if (json) {
            Map<String, Object> out = header(h);
            out.putAll(figures(r));
            System.out.println(GSON.toJson(out));
            return;
        }
        System.out.printf("%s, %d layers, %s, median of %d (quartiles in brackets)%n", h.name(), h.layers(), h.backendText(), repeats);
        System.out.printf("prefill %d tokens: %s tokens/s%n", r.promptTokens(), spread(r.prefillTokensPerSecond()));
        System.out.printf("decode %d tokens: %s tokens/s; %.1f ms/token over the first quarter, %.1f over the last%n",
                r.decodeSteps(), spread(r.decodeTokensPerSecond()), r.firstQuarterDecodeMs(), r.lastQuarterDecodeMs());
        System.out.println("decode step: " + breakdown(r.decodeStep()));
    }

    private static String spread(Quartiles q) {
        return String.format("%.1f [%.1f, %.1f]", q.median(), q.p25(), q.p75());
    }

    private static String breakdown(ModelBenchmark.StepBreakdown b) {
        return String.format("%.2f ms: %.0f ONNX Runtime calls taking %.2f ms, libtorch and Java %.2f ms",
                b.ms(), b.ortCalls(), b.ortMs(), b.otherMs());
    }

    private void print(Header h, ModelBenchmark.Comparison c, DualSparseRuntime method) {
        ModelBenchmark.Result d = c.dense();
        ModelBenchmark.Result s = c.dropping();
        DropRates dropRates = method.stats().rates();
        if (json) {
            Map<String, Object> out = header(h);
            out.putAll(figures(s));
            out.put("decision_drop_rate", dropRates.decision());
            out.put("skipped_work_rate", dropRates.skippedWork());
            out.put("dense", figures(d));
            out.put("prefill_speedup", c.prefillSpeedup());
            out.put("decode_speedup", c.decodeSpeedup());
            System.out.println(GSON.toJson(out));
            return;
        }
        System.out.printf("%s, %d layers, %s, median of %d, the dense model and DualSparse (decision drop rate %.2f%%,"
                + " skipped work %.2f%%) in interleaved rounds%n",
                h.name(), h.layers(), h.backendText(), repeats, 100 * dropRates.decision(), 100 * dropRates.skippedWork());
        System.out.printf("prefill %d tokens: dense %s, DualSparse %s tokens/s (%.2fx)%n",
                s.promptTokens(), spread(d.prefillTokensPerSecond()), spread(s.prefillTokensPerSecond()), c.prefillSpeedup());
        System.out.printf("decode %d tokens: dense %s, DualSparse %s tokens/s (%.2fx); ms/token over the first and last quarter:"
                + " dense %.1f / %.1f, DualSparse %.1f / %.1f%n",
                s.decodeSteps(), spread(d.decodeTokensPerSecond()), spread(s.decodeTokensPerSecond()), c.decodeSpeedup(),
                d.firstQuarterDecodeMs(), d.lastQuarterDecodeMs(), s.firstQuarterDecodeMs(), s.lastQuarterDecodeMs());
        System.out.println("dense decode step: " + breakdown(d.decodeStep()));
        System.out.println("DualSparse decode step: " + breakdown(s.decodeStep()));
    }

    private Map<String, Object> header(Header h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", h.name());
        out.put("layers", h.layers());
        out.putAll(h.backend());
        out.put("prompt_tokens", promptTokens);
        out.put("gen", gen);
        out.put("repeats", repeats);
        return out;
    }

    private static Map<String, Object> figures(ModelBenchmark.Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("prefill_tokens_per_second", r.prefillTokensPerSecond().median());
        out.put("prefill_tokens_per_second_quartiles", new double[] {r.prefillTokensPerSecond().p25(), r.prefillTokensPerSecond().p75()});
        out.put("decode_tokens_per_second", r.decodeTokensPerSecond().median());
        out.put("decode_tokens_per_second_quartiles", new double[] {r.decodeTokensPerSecond().p25(), r.decodeTokensPerSecond().p75()});
        out.put("decode_step_ms", r.decodeStep().ms());
        out.put("decode_step_ort_calls", r.decodeStep().ortCalls());
        out.put("decode_step_ort_ms", r.decodeStep().ortMs());
        out.put("decode_step_other_ms", r.decodeStep().otherMs());
        out.put("decode_ms_first_quarter", r.firstQuarterDecodeMs());
        out.put("decode_ms_last_quarter", r.lastQuarterDecodeMs());
        return out;
    }
}
