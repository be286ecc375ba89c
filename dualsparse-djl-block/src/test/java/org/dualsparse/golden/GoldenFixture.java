package org.dualsparse.golden;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * One folder of {@code golden/}: a checkpoint saved by transformers' {@code save_pretrained},
 * its {@code meta.json} (prompt, greedy continuation, versions) and transformers' logits.
 *
 * @param dir the folder, also the checkpoint folder
 * @param meta its {@code meta.json}
 */
public record GoldenFixture(Path dir, JsonObject meta) {

    /** The fixture folders holding a tiny random checkpoint, by name. */
    public static List<String> checkpointNames() {
        try (Stream<Path> entries = Files.list(root())) {
            return entries.filter(p -> Files.isRegularFile(p.resolve("model.safetensors")))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GoldenFixture named(String name) {
        return at(root().resolve(name));
    }

    public static GoldenFixture at(Path dir) {
        return new GoldenFixture(dir, readJson(dir.resolve("meta.json")));
    }

    /** The repository's shipped model {@code models/kjv-moe}, found above the working directory (the module's under Maven). */
    public static Path shippedModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path model = dir.resolve("models").resolve("kjv-moe");
            if (Files.isRegularFile(model.resolve("config.json"))) {
                return model;
            }
        }
        throw new IllegalStateException("models/kjv-moe not found above " + Path.of("").toAbsolutePath());
    }

    private static Path root() {
        URL url = GoldenFixture.class.getResource("/golden");
        if (url == null) {
            throw new IllegalStateException("test resource folder golden/ is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float32 little-endian file of this folder. */
    public float[] floats(String file) {
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(file));
            float[] out = new float[bytes.length / Float.BYTES];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** transformers' logits of every position of the prompt, {@code [S·V]} row-major. */
    public float[] logits() {
        return floats("logits.f32");
    }

    public long[] prompt() {
        return longs(meta.getAsJsonArray("prompt"));
    }

    /** transformers' greedy continuation of the prompt, decoded with the KV cache. */
    public long[] greedy() {
        return longs(meta.getAsJsonArray("greedy"));
    }

    public String switches() {
        return meta.getAsJsonArray("switches").toString();
    }

    public static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }
}
