package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.WeightFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Forward steps free every temporary: the model's arrays and the process RSS stay flat. */
// Measures memory, not numbers: .ci/run runs it once, not again under each libtorch kernel family.
@Tag("kernel-insensitive")
class NativeMemoryTest {

    /** On either backend: ONNX Runtime's products write into arrays of the step's manager too. */
    @ParameterizedTest
    @ValueSource(strings = {"libtorch:f32", "onnxruntime:int4"})
    void manyCachedGenerationsLeaveNoArraysBehind(String backend) throws IOException {
        String[] choice = backend.split(":");
        LoadOptions options = LoadOptions.of(choice[0], choice[1], 32, true);
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("qwen2-moe-tiny", 0), 3, options)) {
            BaseNDManager weights = (BaseNDManager) lm.model().getNDManager();
            // The allocator's footprint wanders by ±15 MB around a plateau once the first ~100
            // generations of growing KV caches have run (fragmentation, not leaks), so compare
            // medians of samples taken after that.
            runGenerations(lm, 100);
            int arraysAfterWarmUp = weights.getManagedArrays().size();
            long[] samples = new long[6];
            for (int i = 0; i < samples.length; i++) {
                runGenerations(lm, 50);
                samples[i] = nativeKb();
            }
            assertEquals(arraysAfterWarmUp, weights.getManagedArrays().size(), "arrays left in the model's manager");
            long growthKb = median(samples[3], samples[4], samples[5]) - median(samples[0], samples[1], samples[2]);
            // Leaking one step's activations (~80 kB) per step would add ~108 MB between the medians.
            assertTrue(growthKb < 24 * 1024,
                    "native memory grew by " + growthKb + " kB over 150 generations: " + Arrays.toString(samples));
        }
    }

    /** Every op of a forward step, cached or not, allocates in the step's manager, never in the model's. */
    @ParameterizedTest
    @ValueSource(strings = {"mixtral-tiny", "olmoe-tiny", "qwen2-moe-tiny", "qwen3-moe-tiny", "deepseek-moe-tiny", "deepseek-v2-tiny"})
    void forwardStepsLeaveNoArraysInTheModelsManager(String preset) {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load(preset, 0), 4)) {
            BaseNDManager weights = (BaseNDManager) lm.model().getNDManager();
            int arraysAfterLoad = weights.getManagedArrays().size();
            runGenerations(lm, 2);
            TestModels.logits(lm, new long[][] {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, null, null);
            assertEquals(arraysAfterLoad, weights.getManagedArrays().size(), "arrays left in the model's manager");
        }
    }

    /** A model's ONNX Runtime sessions end with it, whether it is closed or its load fails half-way. */
    @Test
    void closingAnOnnxRuntimeModelEndsItsSessions() throws IOException {
        LoadOptions int8 = LoadOptions.of(null, "int8", 32, true);
        OrtMatrices backend;
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 0), 3, int8)) {
            backend = (OrtMatrices) lm.backend();
            assertTrue(backend.sessions() > 0);
        }
        assertEquals(0, backend.sessions(), "sessions left open after the model closed");
        // Made and closed again and again, sessions of 1024 × 1024 int8 weights (2.3 MB resident each) leave nothing.
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = manager.randomUniform(-1f, 1f, new Shape(1024, 1024));
            churnSessions(weight, 2);
            long before = nativeKb();
            churnSessions(weight, 8);
            long growthKb = nativeKb() - before;
            // A leak of every session would add 8 × 20 × 2.3 MB = 370 MB; with ORT 1.28 the allocators'
            // pools alone moved by up to 50 MB between runs of this test (and stayed flat over 800 sessions).
            assertTrue(growthKb < 96 * 1024, "native memory grew by " + growthKb + " kB over 160 closed sessions");
        }
    }

    private static void churnSessions(NDArray weight, int rounds) {
        for (int r = 0; r < rounds; r++) {
            try (OrtMatrices backend = OrtMatrices.of(WeightFormat.INT8)) {
                for (int i = 0; i < 20; i++) {
                    backend.matrix(weight);
                }
            }
        }
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private static void runGenerations(MoeLanguageModel lm, int count) {
        for (int g = 0; g < count; g++) {
            try (KvCache cache = lm.newCache(1)) {
                TestModels.logits(lm, new long[][] {{1, 2, 3, 4, 5, 6, 7, 8}}, null, cache);
                for (int s = 0; s < 8; s++) {
                    try (NDManager step = lm.model().getNDManager().newSubManager()) {
                        lm.forward(step, new long[][] {{9 + s}}, null, cache, true).toFloatArray();
                    }
                }
            }
        }
    }

    /** RSS minus the Java heap and direct buffers (which the JVM grows and frees on its own schedule). */
    private static long nativeKb() throws IOException {
        System.gc();
        long heap = Runtime.getRuntime().totalMemory();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        long kb = rssKb() - (heap + direct) / 1024;
        return kb;
    }

    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
