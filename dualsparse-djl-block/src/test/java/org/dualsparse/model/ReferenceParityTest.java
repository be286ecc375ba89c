package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceForward;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family and config switch, loaded from a safetensors checkpoint through the real loader,
 * reproduces the float64 plain-Java reference forward on every position. bf16 and f16
 * checkpoints are compared with a reference on the same rounded weights, so the tolerance is
 * the fp32 one: the loader must widen 16-bit floats exactly.
 */
class ReferenceParityTest {

    /** Longer than the sliding windows of the tiny configs, so windows matter. */
    private static final long[] IDS = {3, 41, 7, 58, 15, 60, 2, 33, 47, 19, 50, 9};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : TinyConfigs.all().keySet()) {
            for (DType dtype : DType.values()) {
                cases.add(Arguments.of(name, dtype));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void logitsMatchTheFloat64Reference(String name, DType dtype, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        Map<String, float[]> weights = rounded(ReferenceWeights.random(config, 7), dtype);
        ReferenceCheckpoints.write(dir, config, weights, dtype, name.startsWith("qwen2"));

        double[][] expected = ReferenceForward.logits(config, weights, IDS);
        float[] actual;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir);
                NDManager step = lm.model().getNDManager().newSubManager()) {
            actual = lm.forward(step, new long[][] {IDS}, null, null, false).toFloatArray();
        }
        int vocab = expected[0].length;
        double scale = 0;
        double diff = 0;
        for (int s = 0; s < IDS.length; s++) {
            for (int v = 0; v < vocab; v++) {
                scale = Math.max(scale, Math.abs(expected[s][v]));
                diff = Math.max(diff, Math.abs(expected[s][v] - actual[s * vocab + v]));
            }
        }
        System.out.printf("parity %-22s %-4s max|Δlogit| %.3e  logit scale %.2f  relative %.2e%n",
                name, dtype, diff, scale, diff / scale);
        assertTrue(scale > 1, "logits too small to be a meaningful comparison: " + scale);
        assertTrue(diff <= 1e-4 * scale, name + " " + dtype + ": max |Δlogit| " + diff + " > 1e-4 × " + scale);
    }

    private static Map<String, float[]> rounded(Map<String, float[]> weights, DType dtype) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((name, values) -> {
            float[] r = values.clone();
            for (int i = 0; i < r.length; i++) {
                r[i] = switch (dtype) {
                    case F32 -> r[i];
                    case BF16 -> SafetensorsWriter.roundToBf16(r[i]);
                    case F16 -> SafetensorsWriter.roundToF16(r[i]);
                };
            }
            out.put(name, r);
        });
        return out;
    }
}
