package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dualsparse.generate.Generation;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.translate.GenerationRequest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every forward step of every generation frees its temporaries: 500 predictor calls leave memory flat. */
// Measures memory, not numbers: .ci/run runs it once, not again under each libtorch kernel family.
@Tag("kernel-insensitive")
class GenerationMemoryTest {

    @TempDir
    Path dir;

    @Test
    void fiveHundredGenerationsLeaveNothingBehind() throws Exception {
        Path model = TinyModels.qwen(dir.resolve("qwen"));
        try (ZooModel<GenerationRequest, Generation> zoo = MoeCriteria.builder()
                        .setTypes(GenerationRequest.class, Generation.class)
                        .optModelPath(model)
                        .optArgument("max_new_tokens", 12)
                        .build()
                        .loadModel();
                Predictor<GenerationRequest, Generation> predictor = zoo.newPredictor()) {
            BaseNDManager weights = (BaseNDManager) zoo.getNDManager();
            // The allocator settles after ~200 generations of growing KV caches (fragmentation), so measure after that.
            generate(predictor, 0, 200);
            int arraysAfterWarmUp = weights.getManagedArrays().size();
            long nativeAfterWarmUp = nativeKb();
            long rssAfterWarmUp = rssKb();
            generate(predictor, 200, 500);
            long growthKb = nativeKb() - nativeAfterWarmUp;
            System.out.printf("model manager arrays: %d after 200 generations, %d after 500;"
                            + " over the last 300: RSS %+d kB, RSS minus heap and direct buffers %+d kB%n",
                    arraysAfterWarmUp, weights.getManagedArrays().size(), rssKb() - rssAfterWarmUp, growthKb);
            assertEquals(arraysAfterWarmUp, weights.getManagedArrays().size(), "arrays left in the model's manager");
            // 300 generations x 13 forward steps; leaking one step's activations (~30 kB) each would add over 100 MB.
            assertTrue(growthKb < 24 * 1024, "native memory grew by " + growthKb + " kB over 300 generations");
        }
    }

    private static void generate(Predictor<GenerationRequest, Generation> predictor, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            long seed = i;
            predictor.predict(GenerationRequest.of("Hello world " + i).withOptions(o -> o.temperature(1).seed(seed)));
        }
    }

    /** RSS minus the Java heap and direct buffers, which the JVM grows and frees on its own schedule. */
    private static long nativeKb() throws IOException {
        System.gc();
        long heap = Runtime.getRuntime().totalMemory();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        return rssKb() - (heap + direct) / 1024;
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
