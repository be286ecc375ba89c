package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.Map;
import org.dualsparse.arguments.InvalidArgumentException;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightFormat;
import org.dualsparse.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Criteria arguments {@code backend}, {@code weights}, {@code quant_block} and {@code
 * quant_zero_points} choose how the checkpoint is loaded; the Predictor is the same.
 */
class CriteriaBackendTest {

    @TempDir
    static Path dir;

    static Path qwen;

    @BeforeAll
    static void writeModel() {
        qwen = TinyModels.qwen(dir.resolve("qwen"));
    }

    @Test
    void int8WeightsOnOnnxRuntimeLoadAndPredictText() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(qwen)
                .optArgument("backend", "onnxruntime")
                .optArgument("weights", "int8")
                .optArgument("max_new_tokens", 4)
                .optArgument("do_sample", "false")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            String text = predictor.predict("Hello world");
            assertFalse(text.isEmpty(), "four greedy tokens of text");
            assertEquals(text, predictor.predict("Hello world"), "greedy is deterministic");
        }
    }

    @Test
    void aPackedModelIsPartitionedToo() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(qwen)
                .optArgument("weights", "int4")
                .optArgument("quant_block", 16)
                .optArgument("quant_zero_points", true)
                .optArgument("method", "2t")
                .optArgument("threshold", "0.2")
                .optArgument("max_new_tokens", 4)
                .build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            predictor.predict("the world and the rest");
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            assertTrue(method.stats().rates().decision() > 0, "2T at T = 0.2 drops pairs of a top-2 model");
        }
    }

    @Test
    void theArgumentsReadAsTheirLoadOptions() {
        assertEquals(LoadOptions.defaults(), LoadArguments.fromArguments(Map.of()));
        LoadOptions options = LoadArguments.fromArguments(
                Map.of("weights", "INT4", "quant_block", 64.0, "quant_zero_points", "true"));
        assertEquals(LoadOptions.Backend.ONNXRUNTIME, options.backend(), "quantized weights imply onnxruntime");
        assertEquals(WeightFormat.INT4, options.weights());
        assertEquals(new Quantization(4, 64, false), options.quantization());
        assertEquals(new Quantization(8, Quantization.DEFAULT_BLOCK_SIZE, true),
                LoadArguments.fromArguments(Map.of("backend", "onnxruntime", "weights", "int8")).quantization());
    }

    @Test
    void anUnknownValueIsRefusedNamingItsArgument() {
        assertRefused("weights", "int3", "is not one of: f32, int8, int4");
        assertRefused("backend", "tensorflow", "is not one of: libtorch, onnxruntime");
        assertRefused("quant_block", 24, "is not a power of two from 16 to 256");
        assertRefused("quant_block", 512, "is not in [16, 256]");
        assertRefused("quant_zero_points", "yes", "is not true or false");
        assertRefused("weight_cache", " ", "is not auto, none or a folder");
    }

    @Test
    void libtorchWithQuantizedWeightsIsRefused() {
        Criteria<String, String> criteria = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument("backend", "libtorch").optArgument("weights", "int8").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, criteria::loadModel);
        assertEquals("arguments backend = \"libtorch\" and weights = \"int8\" do not go together: int8 weights run on the"
                + " onnxruntime backend only; libtorch multiplies f32", e.getMessage());
    }

    private static void assertRefused(String key, Object value, String problem) {
        Criteria<String, String> criteria = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument(key, value).build();
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, criteria::loadModel);
        assertEquals("argument " + key + " = \"" + value + "\" " + problem, e.getMessage());
    }
}
