package org.dualsparse.dualsparse.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.CalibratedModels;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A saved profile reads back identical; a damaged or foreign one is a typed error naming the file. */
class ProfileFileTest {

    @TempDir
    static Path dir;
    static CalibratedModels.Calibrated calibrated;
    static Path saved;
    /** A checkpoint of the calibrated one's config with other weights. */
    static Path other;

    @BeforeAll
    static void calibrate() throws IOException {
        calibrated = CalibratedModels.calibrate("qwen2Moe", dir.resolve("model"), ImportanceMetric.ABS_GATE_UP);
        saved = dir.resolve("qwen2.profile");
        calibrated.profile().save(saved);
        other = dir.resolve("other-weights");
        ReferenceCheckpoints.write(other, TinyConfigs.qwen2Moe(), ReferenceWeights.random(TinyConfigs.qwen2Moe(), 12), DType.F32, false);
    }

    @Test
    void aSavedProfileReadsBackWithIdenticalThresholdsAndPermutations() {
        CalibrationProfile before = calibrated.profile();
        CalibrationProfile after = CalibrationProfile.load(saved);
        assertEquals(before.model(), after.model());
        assertEquals(ImportanceMetric.ABS_GATE_UP, after.metric());
        assertEquals(before.tokens(), after.tokens());
        assertEquals(8 * 60, after.tokens());
        assertEquals(before.layers().size(), after.layers().size());
        for (int i = 0; i < before.layers().size(); i++) {
            LayerProfile b = before.layers().get(i);
            LayerProfile a = after.layers().get(i);
            assertEquals(b.shape(Partition.halves(2)), a.shape(Partition.halves(2)));
            assertEquals(b.topK(), a.topK());
            assertEquals(b.tokens(), a.tokens());
            assertArrayEquals(b.scores().counts(), a.scores().counts());
            assertArrayEquals(b.topTwoRatios().counts(), a.topTwoRatios().counts());
            for (int e = 0; e < b.numExperts(); e++) {
                assertArrayEquals(b.importance()[e], a.importance()[e]);
                assertArrayEquals(before.neuronOrder().permutation(b.layer(), e), after.neuronOrder().permutation(a.layer(), e));
            }
        }
        ThresholdSolver b = new ThresholdSolver(before, Partition.halves(2));
        ThresholdSolver a = new ThresholdSolver(after, Partition.halves(2));
        for (double delta : new double[] {0, ThresholdDropPolicy.PAPER_DELTA}) {
            assertEquals(b.global(0.15, Margin.absolute(delta)).threshold(1), a.global(0.15, Margin.absolute(delta)).threshold(1));
            ThresholdDropPolicy equalBefore = b.perLayerEqual(0.15, Margin.absolute(delta));
            ThresholdDropPolicy equalAfter = a.perLayerEqual(0.15, Margin.absolute(delta));
            for (LayerProfile l : before.layers()) {
                assertEquals(equalBefore.threshold(l.layer()), equalAfter.threshold(l.layer()));
            }
        }
        assertEquals(before.eesBeta(), after.eesBeta());
    }

    @Test
    void aProfileIsRefusedForAnotherModelNamingBoth() {
        try (MoeLanguageModel lm = MoeLanguageModel.load(other)) {
            ProfileMismatchException e = assertThrows(ProfileMismatchException.class, () -> CalibrationProfile.loadFor(saved, lm));
            assertEquals(calibrated.profile().model(), e.profileModel());
            assertTrue(e.getMessage().contains(saved.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(e.profileModel().toString()) && e.getMessage().contains(e.model().toString()),
                    e.getMessage());
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(calibrated.dir())) {
            assertEquals(calibrated.profile().model(), CalibrationProfile.loadFor(saved, lm).model());
        }
    }

    /**
     * The identity is the checkpoint's, not the backend's: a packing backend registers no
     * float32 matrices, and the profile's thresholds are about the same model in any format.
     */
    @ParameterizedTest
    @ValueSource(strings = {"f32", "int8", "int4"})
    void aProfileMadeOnLibtorchFitsItsCheckpointOnOnnxRuntimeInEveryFormat(String weights) {
        LoadOptions options = LoadOptions.of("onnxruntime", weights, 32, true).withWeightCache(LoadOptions.NO_CACHE);
        try (MoeLanguageModel lm = MoeLanguageModel.load(calibrated.dir(), options)) {
            assertEquals(calibrated.profile().model(), CalibrationProfile.loadFor(saved, lm).model());
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(other, options)) {
            assertThrows(ProfileMismatchException.class, () -> CalibrationProfile.loadFor(saved, lm));
        }
    }

    @Test
    void theIdentitySurvivesPartitionAndReloadButNotOtherWeightsOrShapes() throws IOException {
        ModelIdentity identity;
        try (MoeLanguageModel lm = MoeLanguageModel.load(calibrated.dir())) {
            BaseNDManager manager = (BaseNDManager) lm.model().getNDManager();
            int arrays = manager.getManagedArrays().size();
            identity = ModelIdentity.of(lm);
            assertEquals(arrays, manager.getManagedArrays().size(), "fingerprinting allocates nothing in the model's manager");
            DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, DropPolicy.NONE);
            assertEquals(identity, ModelIdentity.of(lm));
        }
        assertEquals(calibrated.profile().model(), identity);
        JsonObject wider = TinyConfigs.qwen2Moe();
        wider.addProperty("moe_intermediate_size", 24);
        Path widerDir = dir.resolve("wider");
        ReferenceCheckpoints.write(widerDir, wider, ReferenceWeights.random(wider, 11), DType.F32, false);
        try (MoeLanguageModel lm = MoeLanguageModel.load(widerDir)) {
            assertNotEquals(identity.fingerprint(), ModelIdentity.of(lm).fingerprint());
            assertEquals("qwen2_moe", ModelIdentity.of(lm).modelType());
        }
    }

    @Test
    void missingWrongMagicAndUnknownVersionAreNamed() throws IOException {
        assertProblem(dir.resolve("absent.profile"), "no such calibration profile");
        assertProblem(damaged("magic", bytes -> bytes[0] = 'X'), "not a DualSparse calibration profile");
        assertProblem(damaged("version", bytes -> ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2)),
                "profile format version 2; this build reads version 1");
    }

    @Test
    void truncationAtAnyPointIsNamed() throws IOException {
        byte[] bytes = Files.readAllBytes(saved);
        for (int length : new int[] {0, 5, 8, 20, 27, 100, bytes.length / 2, bytes.length - 1}) {
            Path file = dir.resolve("truncated-" + length);
            Files.write(file, Arrays.copyOf(bytes, length));
            assertProblem(file, "truncated");
        }
        Path longer = dir.resolve("longer");
        Files.write(longer, Arrays.copyOf(bytes, bytes.length + 3));
        assertProblem(longer, "trailing bytes");
    }

    @Test
    void aFlippedBitIsAChecksumMismatch() throws IOException {
        int size = (int) Files.size(saved);
        for (int offset : new int[] {30, size / 2, size - 5}) {
            assertProblem(damaged("flip" + offset, bytes -> bytes[offset] ^= 0x10), "checksum mismatch");
        }
    }

    @Test
    void aBadHeaderBehindAValidChecksumNamesTheKey() throws IOException {
        assertProblem(reheadered("no-metric", h -> h.remove("metric")), "header misses key \"metric\"");
        assertProblem(reheadered("metric", h -> h.addProperty("metric", "loudness")), "unknown importance metric \"loudness\"");
        assertProblem(reheadered("tokens", h -> h.addProperty("tokens", -4)), "\"tokens\" = -4 is not a non-negative integer");
        assertProblem(reheadered("experts", h -> h.getAsJsonArray("layers").get(0).getAsJsonObject().addProperty("experts", 5)),
                "the header describes");
        assertProblem(reheadered("layer-tokens", h -> h.getAsJsonArray("layers").get(1).getAsJsonObject().addProperty("tokens", 7)),
                "layer 3 holds 960 scores for 7 tokens");
        assertProblem(reheadered("top-k", h -> h.getAsJsonArray("layers").get(0).getAsJsonObject().addProperty("top_k", "two")),
                "\"layers[0].top_k\" = \"two\"");
    }

    private static void assertProblem(Path file, String problem) {
        ProfileException e = assertThrows(ProfileException.class, () -> CalibrationProfile.load(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected \"" + problem + "\" in: " + e.getMessage());
        assertEquals(file, e.file());
    }

    private static Path damaged(String name, Consumer<byte[]> damage) throws IOException {
        byte[] bytes = Files.readAllBytes(saved);
        damage.accept(bytes);
        Path file = dir.resolve(name + ".profile");
        Files.write(file, bytes);
        return file;
    }

    /** The saved profile with its header edited, and length and checksum made valid again. */
    private static Path reheadered(String name, Consumer<JsonObject> edit) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(saved)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = in.getInt(20);
        JsonObject header = JsonParser.parseString(new String(in.array(), 24, headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(header);
        byte[] newHeader = header.toString().getBytes(StandardCharsets.UTF_8);
        int payload = in.capacity() - 24 - headerLength - 4;
        ByteBuffer out = ByteBuffer.allocate(24 + newHeader.length + payload + 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(in.array(), 0, 12).putLong(out.capacity()).putInt(newHeader.length).put(newHeader);
        out.put(in.array(), 24 + headerLength, payload);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        Path file = dir.resolve(name + ".profile");
        Files.write(file, out.array());
        return file;
    }
}
