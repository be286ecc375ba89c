package org.dualsparse.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.dualsparse.config.HfConfig;
import org.dualsparse.nn.TorchEngine;

/**
 * A model's HF tokenizer ({@code tokenizer.json}, run by the Rust {@code tokenizers} library that
 * ships inside the DJL jar) and its special tokens from {@code tokenizer_config.json}.
 *
 * <p>Texts are never truncated or padded: DJL's default would silently cut every input to 512
 * tokens. Instances are thread-safe.
 */
public final class TextTokenizer implements AutoCloseable {

    private static final Map<String, String> NO_TRUNCATION_NO_PADDING =
            Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true");

    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens specialTokens;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, SpecialTokens specialTokens) {
        this.tokenizer = tokenizer;
        this.specialTokens = specialTokens;
    }

    /** Loads {@code tokenizer.json} and, when present, {@code tokenizer_config.json} from a model folder. */
    public static TextTokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(
                    "missing " + file + ": a model folder needs the HF fast tokenizer file tokenizer.json"
                            + " (convert tokenizer.model with transformers' AutoTokenizer.save_pretrained)");
        }
        Path configFile = modelDir.resolve("tokenizer_config.json");
        SpecialTokens special = Files.isRegularFile(configFile)
                ? SpecialTokens.read(HfConfig.read(configFile))
                : SpecialTokens.NONE;
        TorchEngine.useOfflineMode();
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(file, NO_TRUNCATION_NO_PADDING), special);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Token ids of {@code text}; with {@code addSpecialTokens} the tokenizer's post-processor adds
     * what the model expects around a text (a BOS for Llama-style tokenizers, nothing for Qwen).
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /** The text of {@code ids}, special tokens left out. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    /** The id of a token given by its text (a special token such as {@code <|im_end|>}), if it is one token. */
    public OptionalLong tokenId(String token) {
        long[] ids = encode(token, false);
        return ids.length == 1 ? OptionalLong.of(ids[0]) : OptionalLong.empty();
    }

    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
