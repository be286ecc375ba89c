package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A written random checkpoint loads back into the model it was drawn from. */
class RandomCheckpointTest {

    static Stream<String> tinyPresets() {
        return Presets.names().stream().filter(name -> name.endsWith("-tiny"));
    }

    @ParameterizedTest
    @MethodSource("tinyPresets")
    void writtenCheckpointLoadsAsTheSameModel(String preset, @TempDir Path dir) {
        RandomCheckpoint.write(Presets.load(preset, 0), dir, 3, DType.F32);
        long[] ids = {1, 2, 3, 4};
        try (MoeLanguageModel written = MoeLanguageModel.load(dir);
                MoeLanguageModel inMemory = MoeLanguageModel.random(Presets.load(preset, 0), 3)) {
            // The same seed draws the same float32 values, so the weights are equal bit for bit.
            PairList<String, Parameter> expected = inMemory.block().getParameters();
            PairList<String, Parameter> actual = written.block().getParameters();
            assertEquals(expected.keys(), actual.keys());
            for (Pair<String, Parameter> p : expected) {
                assertArrayEquals(p.getValue().getArray().toFloatArray(), actual.get(p.getKey()).getArray().toFloatArray(),
                        p.getKey());
            }
            // The logits are not: a loaded tensor and one filled in libtorch differ in layout and alignment, so
            // libtorch may pick other kernels (it does for deepseek-v2-tiny under AVX-512).
            float[] reference = inMemory.lastLogits(ids);
            float diff = TestModels.maxAbsDiff(reference, written.lastLogits(ids), 0, 0, reference.length);
            float scale = TestModels.maxAbs(reference);
            System.out.printf("random checkpoint %-18s max|Δlogit| %.2e (scale %.2f)%n", preset, diff, scale);
            assertTrue(diff <= 1e-5f * scale, preset + ": max |Δlogit| " + diff + " at logit scale " + scale);
        }
    }
}
