package org.dualsparse.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dualsparse.config.HfConfig;

/**
 * Named {@code config.json} presets for random checkpoints: tiny models of each family and the
 * real layer shapes of published models (for benchmarks, usually with fewer layers).
 */
public final class Presets {

    private static final List<String> NAMES = List.of(
            "mixtral-tiny", "olmoe-tiny", "qwen2-moe-tiny", "qwen3-moe-tiny", "deepseek-moe-tiny", "deepseek-v2-tiny",
            "olmoe-1b-7b", "mixtral-8x7b", "qwen3-moe-30b-a3b", "deepseek-moe-16b", "deepseek-v2-lite");

    private Presets() {}

    public static List<String> names() {
        return NAMES;
    }

    /**
     * The preset config, with {@code num_hidden_layers} replaced by {@code layers} when positive.
     */
    public static HfConfig load(String name, int layers) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown preset \"" + name + "\"; presets: " + String.join(", ", NAMES));
        }
        try (InputStream in = Presets.class.getResourceAsStream("/org/dualsparse/presets/" + name + ".json")) {
            JsonObject json = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            if (layers > 0) {
                json.addProperty("num_hidden_layers", layers);
            }
            return new HfConfig(json, "preset " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
