package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.golden.GoldenFixture;
import org.dualsparse.golden.LogitComparison;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX Runtime backend computes the model libtorch does: at float32 the same logits (every
 * family, dense and partitioned with pairs dropped, the same pairs dropped), transformers' logits
 * and greedy tokens on its fixtures; quantized, close logits from far fewer weight bytes, with no
 * float32 copy of the matrices left in the model.
 */
class OnnxRuntimeBackendTest {

    private static final long[] IDS = {3, 41, 7, 58, 15, 60, 2, 33, 47, 19, 50, 9};
    private static final LoadOptions ORT_F32 = LoadOptions.of("onnxruntime", "f32", 32, true);

    static List<String> families() {
        return List.copyOf(TinyConfigs.all().keySet());
    }

    static List<String> fixtures() {
        return GoldenFixture.checkpointNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void float32EqualsLibtorchDenseAndPartitioned(String name, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        ReferenceCheckpoints.write(dir, config, ReferenceWeights.random(config, 3), DType.F32, false);
        int topK = config.get("num_experts_per_tok").getAsInt();
        float[] torchDense;
        float[] torchDropped;
        DropRates torchRates;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            torchDense = logits(lm);
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null,
                    ThresholdDropPolicy.global(0.3, 0.1, topK, false));
            torchDropped = logits(lm);
            torchRates = ds.stats().rates();
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir, ORT_F32)) {
            assertClose(torchDense, logits(lm), 1e-5, name + " dense");
            // The partitioner reads the experts again from the checkpoint: the backend freed its float32 copy.
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null,
                    ThresholdDropPolicy.global(0.3, 0.1, topK, false));
            assertClose(torchDropped, logits(lm), 1e-5, name + " partitioned, 2T dropping");
            assertEquals(torchRates.decision(), ds.stats().rates().decision(), name + ": the same pairs dropped");
            // One call per expert runs the minor neurons of its whole rows only: the work skipped is the work decided.
            assertEquals(ds.stats().rates().decision(), ds.stats().rates().skippedWork(), name + ": skipped work");
        }
        if (topK > 1) {
            assertTrue(torchRates.decision() > 0, name + ": the policy dropped nothing, the test proves nothing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void float32EqualsTransformers(String name) {
        GoldenFixture fixture = GoldenFixture.named(name);
        long[] prompt = fixture.prompt();
        try (MoeLanguageModel lm = MoeLanguageModel.load(fixture.dir(), ORT_F32)) {
            LogitComparison logits = new LogitComparison()
                    .add(fixture.logits(), TestModels.logits(lm, new long[][] {prompt}, null, null));
            assertTrue(logits.within(1e-4), name + " on onnxruntime: " + logits);
            assertArrayEquals(fixture.greedy(), TransformersParityTest.greedy(lm, prompt, fixture.greedy().length),
                    name + " on onnxruntime: greedy continuation");
        }
    }

    @Test
    void quantizedWeightsStayCloseAndFreeTheirFloat32Arrays(@TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.mixtral();
        ReferenceCheckpoints.write(dir, config, ReferenceWeights.random(config, 3), DType.F32, false);
        float[] reference;
        long torchBytes;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            reference = logits(lm);
            torchBytes = managedBytes(lm);
        }
        long f32Bytes;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir, ORT_F32)) {
            f32Bytes = ((OrtMatrices) lm.backend()).weightBytes();
            assertTrue(torchBytes - managedBytes(lm) >= f32Bytes / 2,
                    "the float32 matrices stayed in the model: " + torchBytes + " vs " + managedBytes(lm) + " bytes");
        }
        // Per 32 weights, 32 or 16 bytes and a 4-byte scale: 0.28 or 0.16 of float32, a little more where rows pad a block.
        double[][] cases = {{8, 0.03, 0.31}, {4, 0.2, 0.19}};
        for (double[] c : cases) {
            String weights = "int" + (int) c[0];
            try (MoeLanguageModel lm = MoeLanguageModel.load(dir, LoadOptions.of(null, weights, 32, true))) {
                assertClose(reference, logits(lm), c[1], weights);
                long packed = ((OrtMatrices) lm.backend()).weightBytes();
                double ratio = packed / (double) f32Bytes;
                assertTrue(ratio >= 0.125 && ratio <= c[2], weights + ": " + ratio + " packed bytes per float32 byte");
            }
        }
    }

    private static float[] logits(MoeLanguageModel lm) {
        return TestModels.logits(lm, new long[][] {IDS}, null, null);
    }

    private static long managedBytes(MoeLanguageModel lm) {
        long bytes = 0;
        for (NDArray array : ((BaseNDManager) lm.model().getNDManager()).getManagedArrays()) {
            bytes += array.size() * array.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    /** Within {@code tolerance} of the reference's largest magnitude. */
    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        float scale = TestModels.maxAbs(expected);
        float worst = TestModels.maxAbsDiff(expected, actual, 0, 0, expected.length);
        System.out.printf("onnxruntime %-40s max|Δlogit| %.2e of scale %.2f%n", what, worst, scale);
        assertTrue(worst <= tolerance * scale, what + ": max |Δlogit| " + worst + " at scale " + scale);
    }
}
