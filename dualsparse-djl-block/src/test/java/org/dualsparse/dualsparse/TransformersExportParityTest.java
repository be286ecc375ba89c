package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.export.CompletePartitionExporter;
import org.dualsparse.dualsparse.export.PartitionRefusedException;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.golden.GoldenFixture;
import org.dualsparse.golden.LogitComparison;
import org.dualsparse.model.MoeLanguageModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The complete-partition export checked by its real consumer. {@code tools/golden/make_golden.py}
 * exported each transformers-made fixture with the CLI (P = 2), loaded the export in
 * transformers and recorded its logits ({@code export-p2/}). Here the same export is redone:
 * its tensors and expert keys are what the script exported, and transformers' logits of the
 * export equal, within 1e-4 of the logit scale, both our undropped P = 2 partitioned model
 * ({@code DualSparseRuntime.apply} on the original) and the export loaded through our loader. A fixture
 * the script could not export (group-limited routing) is refused here too.
 */
class TransformersExportParityTest {

    private static final int PARTS = 2;

    static List<String> fixtures() {
        return GoldenFixture.checkpointNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void exportInTransformersEqualsOurPartitionedModel(String name, @TempDir Path tmp) {
        GoldenFixture fixture = GoldenFixture.named(name);
        Path out = tmp.resolve("export");
        Path recorded = fixture.dir().resolve("export-p2");
        if (!Files.isDirectory(recorded)) {
            PartitionRefusedException refused = assertThrows(PartitionRefusedException.class,
                    () -> CompletePartitionExporter.export(fixture.dir(), out, PARTS, Reconstruction.NONE, null));
            assertEquals(PartitionRefusedException.Reason.ROUTER_NOT_SPLITTABLE, refused.reason(), refused.getMessage());
            assertFalse(Files.exists(out));
            return;
        }
        GoldenFixture export = GoldenFixture.at(recorded);
        CompletePartitionExporter.export(fixture.dir(), out, PARTS, Reconstruction.NONE, null);
        assertEquals(expectedShapes(export.meta().getAsJsonObject("tensors")), shapes(out), "exported tensors");
        JsonObject config = GoldenFixture.readJson(out.resolve("config.json"));
        for (Map.Entry<String, JsonElement> key : export.meta().getAsJsonObject("config_switches").entrySet()) {
            assertEquals(key.getValue(), config.get(key.getKey()), "config.json " + key.getKey());
        }

        long[] prompt = fixture.prompt();
        float[] transformers = export.logits();
        LogitComparison partitioned;
        try (MoeLanguageModel lm = MoeLanguageModel.load(fixture.dir())) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(PARTS), Reconstruction.NONE, null, DropPolicy.NONE);
            partitioned = new LogitComparison().add(transformers, logits(lm, prompt));
            assertEquals(DropRates.NONE, ds.stats().rates());
        }
        LogitComparison loaded;
        try (MoeLanguageModel lm = MoeLanguageModel.load(out)) {
            loaded = new LogitComparison().add(transformers, logits(lm, prompt));
        }
        System.out.printf("transformers export %-30s P=%d partitioned: %s; export through our loader: %s%n",
                name, PARTS, partitioned, loaded);
        assertTrue(partitioned.within(1e-4), name + " partitioned model vs transformers' export: " + partitioned);
        assertTrue(loaded.within(1e-4), name + " export through our loader vs transformers': " + loaded);
    }

    private static float[] logits(MoeLanguageModel lm, long[] prompt) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, new long[][] {prompt}, null, null, false).toFloatArray();
        }
    }

    private static Map<String, String> shapes(Path model) {
        Map<String, String> out = new TreeMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            for (String name : checkpoint.names()) {
                out.put(name, Arrays.toString(checkpoint.info(name).shape()));
            }
        }
        return out;
    }

    private static Map<String, String> expectedShapes(JsonObject tensors) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonElement> tensor : tensors.entrySet()) {
            JsonArray dims = tensor.getValue().getAsJsonArray();
            out.put(tensor.getKey(), Arrays.toString(GoldenFixture.longs(dims)));
        }
        return out;
    }
}
