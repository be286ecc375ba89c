package org.dualsparse.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The token ids and defaults of {@code generation_config.json}, falling back to {@code
 * config.json} where the file is absent, as HF {@code generate()} does.
 */
public record GenerationConfig(
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        Integer maxNewTokens) {

    public static GenerationConfig read(Path modelDir, HfConfig modelConfig) {
        Path file = modelDir.resolve("generation_config.json");
        return from(Files.isRegularFile(file) ? HfConfig.read(file) : modelConfig);
    }

    /** The generation keys of one config file ({@code generation_config.json} or {@code config.json}). */
    public static GenerationConfig from(HfConfig c) {
        return new GenerationConfig(
                c.has("bos_token_id") ? c.requireInt("bos_token_id") : null,
                List.copyOf(c.intListOr("eos_token_id", List.of())),
                c.has("pad_token_id") ? c.requireInt("pad_token_id") : null,
                c.boolOr("do_sample", false),
                c.doubleOr("temperature", 1.0),
                c.intOr("top_k", 50),
                c.doubleOr("top_p", 1.0),
                c.doubleOr("min_p", 0.0),
                c.doubleOr("repetition_penalty", 1.0),
                c.has("max_new_tokens") ? c.requireInt("max_new_tokens") : null);
    }
}
