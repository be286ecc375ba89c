package org.dualsparse.cli;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.GenerationRequest;
import org.dualsparse.zoo.MoeCriteria;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Continues a plain-text prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a text prompt (no chat template); prints prefill and decode speed.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "Model folder: config.json, *.safetensors, tokenizer.json." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--prompt", required = true, description = "The text to continue.")
    String prompt;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Option(names = "--stream", description = "Print the text as it is generated.")
    boolean stream;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        model = ShippedModel.orDefault(model);
        if (stream && json) {
            throw new ParameterException(spec.commandLine(), "--stream and --json cannot be combined");
        }
        GenerationRequest request = GenerationRequest.of(prompt).withOptions(sampling::apply);
        if (stream) {
            request = request.streamingTo(piece -> {
                System.out.print(piece);
                System.out.flush();
            });
        }
        try (ZooModel<GenerationRequest, Generation> zoo = dualSparse.addTo(backend.addTo(MoeCriteria.builder()
                        .setTypes(GenerationRequest.class, Generation.class)
                        .optModelPath(model)))
                        .build()
                        .loadModel();
                Predictor<GenerationRequest, Generation> predictor = zoo.newPredictor()) {
            Generation generation = predictor.predict(request);
            if (json) {
                Map<String, Object> out = asJson(generation);
                DualSparseRuntime.of(zoo.getBlock()).ifPresent(method -> out.putAll(DualSparseOptions.report(method.stats())));
                System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(out));
            } else {
                System.out.println(stream ? "" : generation.text());
                System.err.println(Speed.of(generation));
                DualSparseRuntime.of(zoo.getBlock()).ifPresent(
                        method -> System.err.printf("decision drop rate: %.4f, skipped work: %.4f%n",
                                method.stats().rates().decision(), method.stats().rates().skippedWork()));
            }
        }
        return 0;
    }

    private static Map<String, Object> asJson(Generation generation) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("text", generation.text());
        out.put("token_ids", generation.tokenIds());
        out.put("finish_reason", generation.finishReason().name().toLowerCase(Locale.ROOT));
        out.put("prompt_tokens", generation.promptTokens());
        out.put("prefill_tokens_per_s", generation.timing().prefillTokensPerSecond());
        out.put("decode_tokens_per_s", generation.timing().decodeTokensPerSecond());
        return out;
    }
}
