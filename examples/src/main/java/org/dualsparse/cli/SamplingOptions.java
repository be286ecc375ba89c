package org.dualsparse.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.generate.GenerationOptions;
import picocli.CommandLine.Option;

/** Generation options shared by {@code generate} and {@code chat}; unset ones keep the model's defaults. */
final class SamplingOptions {

    @Option(names = "--max-tokens", description = "Tokens to generate at most (default: generation_config.json, else 256).")
    Integer maxTokens;

    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy.")
    Double temperature;

    @Option(names = "--top-k", description = "Keep the k most likely tokens (0 = all).")
    Integer topK;

    @Option(names = "--top-p", description = "Nucleus sampling threshold in (0, 1].")
    Double topP;

    @Option(names = "--min-p", description = "Drop tokens less likely than min-p times the top one.")
    Double minP;

    @Option(names = "--repetition-penalty", description = "Penalty for tokens already in the text (1 = off).")
    Double repetitionPenalty;

    @Option(names = "--seed", description = "Seed for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", description = "Stop before this text (repeatable).")
    List<String> stop;

    /** The options given, as the Criteria arguments {@link GenerationOptions#withArguments} reads. */
    Map<String, Object> arguments() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        putIfSet(arguments, "max_new_tokens", maxTokens);
        putIfSet(arguments, "temperature", temperature);
        putIfSet(arguments, "top_k", topK);
        putIfSet(arguments, "top_p", topP);
        putIfSet(arguments, "min_p", minP);
        putIfSet(arguments, "repetition_penalty", repetitionPenalty);
        putIfSet(arguments, "seed", seed);
        putIfSet(arguments, "stop", stop);
        return arguments;
    }

    private static void putIfSet(Map<String, Object> arguments, String key, Object value) {
        if (value != null) {
            arguments.put(key, value);
        }
    }

    GenerationOptions.Builder apply(GenerationOptions.Builder options) {
        if (maxTokens != null) {
            options.maxNewTokens(maxTokens);
        }
        if (temperature != null) {
            options.temperature(temperature);
        }
        if (topK != null) {
            options.topK(topK);
        }
        if (topP != null) {
            options.topP(topP);
        }
        if (minP != null) {
            options.minP(minP);
        }
        if (repetitionPenalty != null) {
            options.repetitionPenalty(repetitionPenalty);
        }
        if (seed != null) {
            options.seed(seed);
        }
        if (stop != null) {
            options.stopStrings(stop);
        }
        return options;
    }
}
