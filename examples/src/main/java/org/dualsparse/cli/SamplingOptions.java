package org.dualsparse.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
        arguments.put("max_new_tokens", maxTokens);
        arguments.put("temperature", temperature);
        arguments.put("top_k", topK);
        arguments.put("top_p", topP);
        arguments.put("min_p", minP);
        arguments.put("repetition_penalty", repetitionPenalty);
        arguments.put("seed", seed);
        arguments.put("stop", stop);
        arguments.values().removeIf(Objects::isNull);
        return arguments;
    }

    /** {@code options} with the options given in place of theirs. */
    GenerationOptions.Builder apply(GenerationOptions.Builder options) {
        return options.build().withArguments(arguments()).toBuilder();
    }
}
