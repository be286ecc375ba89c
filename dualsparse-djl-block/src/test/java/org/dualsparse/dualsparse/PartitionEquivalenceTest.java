package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** With nothing dropped, a partitioned (and reconstructed) model is the original model. */
class PartitionEquivalenceTest {

    private static final long[] IDS = {3, 41, 7, 58, 15, 60, 2, 33, 47, 19, 50, 9};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : TinyConfigs.all().keySet()) {
            cases.add(Arguments.of(name));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void partitionedWithoutDroppingReproducesTheLogits(String name, @TempDir Path dir) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        ReferenceCheckpoints.write(dir, config, ReferenceWeights.random(config, 3), DType.F32, false);
        float[] original;
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            original = logits(lm);
        }
        float scale = 0;
        for (float v : original) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int parts : new int[] {1, 2, 4}) {
            for (Reconstruction reconstruction : new Reconstruction[] {
                Reconstruction.NONE, Reconstruction.WEIGHT}) {
                try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
                    int moeLayers = MoeBlocks.of(lm.block()).size();
                    int arraysBefore = ((BaseNDManager) lm.model().getNDManager()).getManagedArrays().size();
                    DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(parts), reconstruction, null, DropPolicy.NONE);
                    assertEquals(moeLayers, ds.blocks().size());
                    float[] partitioned = logits(lm);
                    float diff = 0;
                    for (int i = 0; i < original.length; i++) {
                        diff = Math.max(diff, Math.abs(original[i] - partitioned[i]));
                    }
                    System.out.printf("partition %-22s P=%d %-6s max|Δlogit| %.2e (scale %.2f)%n",
                            name, parts, reconstruction, diff, scale);
                    assertTrue(diff <= 1e-5f * scale, name + " P=" + parts + " " + reconstruction + ": " + diff);
                    assertEquals(DropRates.NONE, ds.stats().rates(), "nothing dropped, nothing skipped");
                    int arraysAfter = ((BaseNDManager) lm.model().getNDManager()).getManagedArrays().size();
                    assertTrue(arraysAfter <= arraysBefore + moeLayers * 2 * (1 + 3 * 8),
                            "the original expert weights were not released: " + arraysBefore + " → " + arraysAfter);
                }
            }
        }
    }

    private static float[] logits(MoeLanguageModel lm) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, new long[][] {IDS}, null, null, false).toFloatArray();
        }
    }
}
