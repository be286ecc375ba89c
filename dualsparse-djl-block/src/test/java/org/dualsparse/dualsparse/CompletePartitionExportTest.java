package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.TensorInfo;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.export.CompletePartitionExporter;
import org.dualsparse.dualsparse.export.PartitionRefusedException;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.family.ExpertLayout;
import org.dualsparse.model.family.ModelRegistry;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceForward;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A completely partitioned export of every family and switch is an ordinary checkpoint with E·P
 * experts, top-K·P and width I/P, and computes the original model: through this library's loader
 * (float32) and through the float64 reference written from the HF modeling code.
 */
class CompletePartitionExportTest {

    private static final long[] IDS = {3, 41, 7, 58, 15, 60, 2, 33, 47, 19, 50, 9};
    private static final Map<String, String> COMPANION_FILES = Map.of(
            "tokenizer.json", "{\"version\": \"1.0\"}", "generation_config.json", "{\"eos_token_id\": 2}");

    static Stream<String> configs() {
        return TinyConfigs.all().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void exportComputesTheOriginalModel(String name, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        Path model = dir.resolve("model");
        Map<String, float[]> weights = ReferenceWeights.random(config, 11);
        boolean sharded = name.startsWith("qwen2");
        ReferenceCheckpoints.write(model, config, weights, DType.F32, sharded);
        COMPANION_FILES.forEach((file, text) -> write(model.resolve(file), text));
        HfConfig hf = HfConfig.read(model.resolve("config.json"));
        ExpertLayout layout = ModelRegistry.forConfig(hf).expertLayout(hf).orElseThrow();
        if (layout.gating() != ExpertLayout.Gating.SOFTMAX_TOP_K) {
            PartitionRefusedException refused = assertThrows(PartitionRefusedException.class,
                    () -> CompletePartitionExporter.export(model, dir.resolve("out"), 2, Reconstruction.NONE, null));
            assertEquals(PartitionRefusedException.Reason.ROUTER_NOT_SPLITTABLE, refused.reason());
            assertTrue(refused.getMessage().contains(layout.gating().name()), refused.getMessage());
            assertFalse(Files.exists(dir.resolve("out")));
            return;
        }
        float[] original = logits(model);
        double[][] referenceOriginal = ReferenceForward.logits(config, weights, IDS);
        ExpertLayout.ConfigKeys keys = layout.keys();

        for (int parts : new int[] {2, 4}) {
            for (Reconstruction reconstruction : new Reconstruction[] {Reconstruction.NONE, Reconstruction.WEIGHT}) {
                Path out = dir.resolve("P" + parts + "-" + reconstruction);
                CompletePartitionExporter.RoutedExperts exported =
                        CompletePartitionExporter.export(model, out, parts, reconstruction, null);

                JsonObject exportedConfig = HfConfig.read(out.resolve("config.json")).json();
                assertEquals(config.get(keys.numExperts()).getAsInt() * parts, exportedConfig.get(keys.numExperts()).getAsInt());
                assertEquals(config.get(keys.topK()).getAsInt() * parts, exportedConfig.get(keys.topK()).getAsInt());
                assertEquals(config.get(keys.intermediateSize()).getAsInt() / parts,
                        exportedConfig.get(keys.intermediateSize()).getAsInt());
                assertEquals(new CompletePartitionExporter.RoutedExperts(exportedConfig.get(keys.numExperts()).getAsInt(),
                        exportedConfig.get(keys.topK()).getAsInt(), exportedConfig.get(keys.intermediateSize()).getAsInt()), exported);
                assertEquals(Files.exists(model.resolve("model.safetensors.index.json")),
                        Files.exists(out.resolve("model.safetensors.index.json")));
                assertEquals(safetensorsFiles(model), safetensorsFiles(out), "the input's file layout is kept");
                for (Map.Entry<String, String> file : COMPANION_FILES.entrySet()) {
                    assertEquals(file.getValue(), Files.readString(out.resolve(file.getKey())));
                }

                float[] partitioned = logits(out);
                float scale = maxAbs(original);
                float diff = maxAbsDiff(original, partitioned);
                double referenceDiff = maxAbsDiff(referenceOriginal, ReferenceForward.logits(exportedConfig, read(out), IDS));
                System.out.printf("export %-22s P=%d %-6s max|Δlogit| f32 loader %.2e, f64 reference %.2e (scale %.2f)%n",
                        name, parts, reconstruction, diff, referenceDiff, scale);
                assertTrue(diff <= 1e-5f * scale, name + " P=" + parts + " " + reconstruction + ": " + diff);
                assertTrue(referenceDiff <= 1e-9 * scale, name + " P=" + parts + " " + reconstruction + " reference: " + referenceDiff);
            }
        }
    }

    /**
     * The remote-code files a DeepSeek config's {@code auto_map} names travel with the export
     * unchanged; a reference into another repository ({@code repo--module.Class}) needs no file.
     */
    @Test
    void remoteCodeFilesTravelWithTheExport(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model");
        JsonObject config = TinyConfigs.deepseekMoe();
        ReferenceCheckpoints.write(model, config, ReferenceWeights.random(config, 2), DType.F32, false);
        JsonObject withRemoteCode = HfConfig.read(model.resolve("config.json")).json();
        withRemoteCode.add("auto_map", JsonParser.parseString("""
                {"AutoConfig": "configuration_deepseek.DeepseekConfig",
                 "AutoModel": "modeling_deepseek.DeepseekModel",
                 "AutoModelForCausalLM": "modeling_deepseek.DeepseekForCausalLM",
                 "AutoTokenizer": ["other/repo--tokenization_other.OtherTokenizer", null]}""").getAsJsonObject());
        Files.writeString(model.resolve("config.json"), withRemoteCode.toString());
        write(model.resolve("configuration_deepseek.py"), "class DeepseekConfig: pass\n");
        write(model.resolve("modeling_deepseek.py"), "class DeepseekForCausalLM: pass\n");
        Path out = dir.resolve("out");
        CompletePartitionExporter.export(model, out, 2, Reconstruction.NONE, null);
        assertEquals("class DeepseekConfig: pass\n", Files.readString(out.resolve("configuration_deepseek.py")));
        assertEquals("class DeepseekForCausalLM: pass\n", Files.readString(out.resolve("modeling_deepseek.py")));
        assertEquals(withRemoteCode.get("auto_map"), HfConfig.read(out.resolve("config.json")).json().get("auto_map"));
        assertFalse(Files.exists(out.resolve("tokenization_other.py")));
    }

    /**
     * A 16-bit checkpoint stays in its dtype: everything but the down projections is copied bit
     * for bit, and a power-of-two P scales the down projections exactly.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void sixteenBitCheckpointsKeepTheirDtypeAndScaleExactly(DType dtype, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.mixtral();
        Path model = dir.resolve("model");
        ReferenceCheckpoints.write(model, config, ReferenceWeights.random(config, 5), dtype, false);
        float[] original = logits(model);
        int experts = config.get("num_local_experts").getAsInt();
        int width = config.get("intermediate_size").getAsInt();
        for (int parts : new int[] {2, 4}) {
            Path out = dir.resolve("P" + parts);
            CompletePartitionExporter.export(model, out, parts, Reconstruction.NONE, null);
            try (Checkpoint in = Checkpoint.open(model); Checkpoint exported = Checkpoint.open(out)) {
                for (String name : exported.names()) {
                    assertEquals(dtype, exported.info(name).dtype(), name);
                    if (!name.contains(".experts.") && !name.endsWith(".gate.weight")) {
                        assertEquals(in.rawBytes(name), exported.rawBytes(name), name + " is copied unchanged");
                    }
                }
                for (int layer = 0; layer < config.get("num_hidden_layers").getAsInt(); layer++) {
                    String experts0 = "model.layers." + layer + ".block_sparse_moe.experts.";
                    for (int e = 0; e < experts; e++) {
                        float[] down = floats(in, experts0 + e + ".w2.weight");
                        for (int p = 0; p < parts; p++) {
                            float[] sub = floats(exported, experts0 + (e * parts + p) + ".w2.weight");
                            int subWidth = width / parts;
                            for (int i = 0; i < sub.length; i++) {
                                float source = down[i / subWidth * width + p * subWidth + i % subWidth];
                                assertEquals(source * parts, sub[i], "exact W2 × P");
                            }
                        }
                    }
                }
            }
            float diff = maxAbsDiff(original, logits(out));
            System.out.printf("export mixtral %-4s P=%d max|Δlogit| %.2e (scale %.2f)%n", dtype, parts, diff, maxAbs(original));
            assertTrue(diff <= 1e-5f * maxAbs(original), dtype + " P=" + parts + ": " + diff);
        }
    }

    static ExpertLayout.ConfigKeys keysOf(HfConfig config) {
        return ModelRegistry.forConfig(config).expertLayout(config).orElseThrow().keys();
    }

    private static float[] logits(Path model) {
        try (MoeLanguageModel lm = MoeLanguageModel.load(model);
                NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, new long[][] {IDS}, null, null, false).toFloatArray();
        }
    }

    private static Map<String, float[]> read(Path model) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            for (String name : checkpoint.names()) {
                weights.put(name, floats(checkpoint, name));
            }
        }
        return weights;
    }

    private static float[] floats(Checkpoint checkpoint, String name) {
        TensorInfo info = checkpoint.info(name);
        float[] values = new float[Math.toIntExact(info.numel())];
        checkpoint.float32(name).asFloatBuffer().get(values);
        return values;
    }

    private static Set<String> safetensorsFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(file -> file.endsWith(".safetensors"))
                    .collect(TreeSet::new, Set::add, Set::addAll);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double maxAbsDiff(double[][] a, double[][] b) {
        double max = 0;
        for (int s = 0; s < a.length; s++) {
            for (int v = 0; v < a[s].length; v++) {
                max = Math.max(max, Math.abs(a[s][v] - b[s][v]));
            }
        }
        return max;
    }
}
