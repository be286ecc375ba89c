package org.dualsparse.reference;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter;

/** Writes reference weights as a HF checkpoint folder: config.json plus safetensors. */
public final class ReferenceCheckpoints {

    private ReferenceCheckpoints() {}

    /** Tensors not in the config's name list (to test rejection) are written flat. */
    public static void write(Path dir, JsonObject config, Map<String, float[]> weights, DType dtype, boolean sharded)
            throws IOException {
        Map<String, int[]> shapes = ReferenceWeights.shapes(config);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        weights.forEach((name, values) -> {
            int[] shape = shapes.getOrDefault(name, new int[] {values.length});
            tensors.add(new SafetensorsWriter.Tensor(name, Arrays.stream(shape).asLongStream().toArray(), values));
        });
        if (sharded) {
            SafetensorsWriter.writeSharded(dir, tensors, dtype, 64 * 1024);
        } else {
            SafetensorsWriter.writeSingle(dir, tensors, dtype);
        }
        Files.writeString(dir.resolve("config.json"), config.toString(), StandardCharsets.UTF_8);
    }
}
