package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.checkpoint.CorruptCheckpointException;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.MissingTensorException;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.checkpoint.UnexpectedTensorException;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.UnsupportedArchitectureException;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad checkpoint folder is refused with a typed error naming the problem. */
class LoaderErrorsTest {

    @TempDir
    Path dir;

    private final JsonObject config = TinyConfigs.qwen2Moe();

    private void write(Map<String, float[]> weights) throws IOException {
        ReferenceCheckpoints.write(dir, config, weights, DType.F32, false);
    }

    private Map<String, float[]> weights() {
        return new LinkedHashMap<>(ReferenceWeights.random(config, 1));
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Map<String, float[]> w = weights();
        w.remove("model.layers.1.mlp.shared_expert_gate.weight");
        write(w);
        MissingTensorException e = assertThrows(MissingTensorException.class, () -> MoeLanguageModel.load(dir));
        assertEquals("model.layers.1.mlp.shared_expert_gate.weight", e.tensorName());
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        Map<String, float[]> w = weights();
        w.put("model.layers.0.mlp.experts.99.up_proj.weight", new float[] {1, 2});
        write(w);
        UnexpectedTensorException e = assertThrows(UnexpectedTensorException.class, () -> MoeLanguageModel.load(dir));
        assertEquals(List.of("model.layers.0.mlp.experts.99.up_proj.weight"), e.tensorNames());
    }

    @Test
    void shapeMismatchNamesBothShapes() throws IOException {
        config.addProperty("moe_intermediate_size", 20);
        write(weights());
        config.addProperty("moe_intermediate_size", 24);
        Files.writeString(dir.resolve("config.json"), config.toString());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(e.getMessage().contains("[20, 32]") && e.getMessage().contains("[24, 32]"), e.getMessage());
    }

    @Test
    void truncatedSafetensorsIsCorrupt() throws IOException {
        write(weights());
        Path file = dir.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 100);
        }
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void folderWithoutWeightsIsCorrupt() throws IOException {
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertThrows(CorruptCheckpointException.class, () -> MoeLanguageModel.load(dir));
    }

    @Test
    void missingOrMalformedConfig() throws IOException {
        ConfigException missing = assertThrows(ConfigException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64,", StandardCharsets.UTF_8);
        assertThrows(ConfigException.class, () -> MoeLanguageModel.load(dir));
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() throws IOException {
        config.remove("architectures");
        config.add("architectures", JsonParser.parseString("[\"LlamaForCausalLM\"]"));
        Files.writeString(dir.resolve("config.json"), config.toString());
        UnsupportedArchitectureException e =
                assertThrows(UnsupportedArchitectureException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(e.getMessage().contains("LlamaForCausalLM") && e.getMessage().contains("MixtralForCausalLM"), e.getMessage());
    }

    @Test
    void unimplementedConfigValuesAreRefusedByName() throws IOException {
        config.add("rope_scaling", JsonParser.parseString("{\"type\": \"linear\", \"factor\": 2.0}"));
        Files.writeString(dir.resolve("config.json"), config.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(e.getMessage().contains("rope_scaling"), e.getMessage());
        config.remove("rope_scaling");
        config.addProperty("num_experts_per_tok", 99);
        Files.writeString(dir.resolve("config.json"), config.toString());
        e = assertThrows(ConfigException.class, () -> MoeLanguageModel.load(dir));
        assertTrue(e.getMessage().contains("num_experts_per_tok = 99"), e.getMessage());
    }

    @Test
    void bf16ComputeIsRefusedWithTheReason() throws IOException {
        write(weights());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> MoeLanguageModel.load(dir, new LoadOptions(LoadOptions.Dtype.BF16)));
        assertTrue(e.getMessage().contains("f32"), e.getMessage());
    }
}
