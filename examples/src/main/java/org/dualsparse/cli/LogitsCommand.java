package org.dualsparse.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.files.AtomicFile;
import org.dualsparse.generate.Sampler;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the next-token logits of a prompt given as token ids, and greedy continuations. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Next-token logits for a prompt of token ids (no tokenizer needed).")
final class LogitsCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder: config.json + *.safetensors." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--ids", required = true, split = ",", description = "Prompt token ids, comma separated.")
    long[] ids;

    @Option(names = "--top", defaultValue = "5", description = "How many top logits to print (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--gen", defaultValue = "1", description = "Greedy tokens to generate with the KV cache (default ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--dtype", defaultValue = "f32", description = "Compute dtype: f32 (bf16 is refused on this engine).")
    String dtype;

    @Option(names = "--logits-out", description = "Write the last position's logits here as little-endian float32.")
    Path logitsOut;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        model = ShippedModel.orDefault(model);
        LoadOptions loadOptions = backend.loadOptions().withDtype(LoadOptions.Dtype.parse(dtype));
        long start = System.nanoTime();
        try (MoeLanguageModel lm = MoeLanguageModel.load(model, loadOptions)) {
            System.err.printf("loaded %s (%s) in %.2f s%n", model, BackendOptions.describe(loadOptions, lm),
                    (System.nanoTime() - start) / 1e9);
            DualSparseRuntime method = dualSparse.apply(lm, model);
            float[] logits;
            Map<String, Object> dropReport = null;
            List<Long> greedy = new ArrayList<>();
            try (KvCache cache = lm.newCache(1)) {
                logits = step(lm, ids, cache);
                if (method != null) {
                    dropReport = DualSparseOptions.report(method.stats());
                }
                float[] next = logits;
                for (int i = 0; i < gen; i++) {
                    long token = Sampler.argMax(next);
                    greedy.add(token);
                    if (i + 1 < gen) {
                        next = step(lm, new long[] {token}, cache);
                    }
                }
            }
            if (logitsOut != null) {
                writeFloats(logitsOut, logits);
            }
            print(lm.modelType(), BackendOptions.report(loadOptions, lm), logits, greedy, dropReport);
        }
        return 0;
    }

    private static float[] step(MoeLanguageModel lm, long[] tokens, KvCache cache) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            NDArray out = lm.forward(step, new long[][] {tokens}, null, cache, true);
            return out.toFloatArray();
        }
    }

    private void print(String modelType, Map<String, Object> backendReport, float[] logits, List<Long> greedy,
            Map<String, Object> dropReport) {
        double logSumExp = logSumExp(logits);
        List<Map<String, Object>> best = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i))
                .limit(top)
                .map(i -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("id", i);
                    entry.put("logit", logits[i]);
                    entry.put("logprob", logits[i] - logSumExp);
                    return entry;
                })
                .toList();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_type", modelType);
            out.putAll(backendReport);
            out.put("prompt_ids", ids);
            out.put("top", best);
            out.put("greedy", greedy);
            if (dropReport != null) {
                out.putAll(dropReport);
            }
            System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(out));
            return;
        }
        System.out.println("model_type: " + modelType);
        System.out.println("prompt_ids: " + Arrays.toString(ids));
        for (Map<String, Object> entry : best) {
            System.out.printf("  id %-8s logit %12.6f  logprob %10.6f%n", entry.get("id"), entry.get("logit"), entry.get("logprob"));
        }
        System.out.println("greedy: " + greedy);
        if (dropReport != null) {
            System.out.printf("over the prompt: decision drop rate %.4f, skipped work %.4f%n",
                    (Double) dropReport.get("decision_drop_rate"), (Double) dropReport.get("skipped_work_rate"));
        }
    }

    private static double logSumExp(float[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        AtomicFile.writeBytes(file, bytes.array());
    }
}
