package org.dualsparse.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;

/**
 * Model folders for tests: a tiny random checkpoint whose vocabulary matches one of the two test
 * tokenizers in {@code src/test/resources/tokenizers}, with that tokenizer's files beside it.
 */
public final class TinyModels {

    private static final String[] TOKENIZER_FILES = {"tokenizer.json", "tokenizer_config.json", "generation_config.json"};

    private TinyModels() {}

    /** Qwen2-MoE with the byte-level BPE tokenizer and the ChatML template. */
    public static Path qwen(Path dir) {
        return write(dir, "qwen2-moe-tiny", "byte-bpe");
    }

    /** Mixtral with the SentencePiece-style tokenizer and the Mixtral-Instruct template. */
    public static Path mixtral(Path dir) {
        return write(dir, "mixtral-tiny", "sentencepiece");
    }

    /** Only the tokenizer files of {@code tokenizer} ("byte-bpe" or "sentencepiece"). */
    public static Path tokenizerOnly(Path dir, String tokenizer) {
        try {
            Files.createDirectories(dir);
            for (String file : TOKENIZER_FILES) {
                try (InputStream in = resource(tokenizer + "/" + file)) {
                    Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path dir, String preset, String tokenizer) {
        tokenizerOnly(dir, tokenizer);
        HfConfig config = Presets.load(preset, 2);
        config.json().addProperty("vocab_size", vocabularySize(dir.resolve("tokenizer.json")));
        RandomCheckpoint.write(config, dir, 7, DType.F32);
        return dir;
    }

    private static int vocabularySize(Path tokenizerJson) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(tokenizerJson, StandardCharsets.UTF_8)).getAsJsonObject();
            int max = json.getAsJsonObject("model").getAsJsonObject("vocab").entrySet().stream()
                    .mapToInt(e -> e.getValue().getAsInt()).max().orElse(-1);
            for (JsonElement token : json.getAsJsonArray("added_tokens")) {
                max = Math.max(max, token.getAsJsonObject().get("id").getAsInt());
            }
            return max + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = TinyModels.class.getResourceAsStream("/tokenizers/" + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource tokenizers/" + name);
        }
        return in;
    }
}
