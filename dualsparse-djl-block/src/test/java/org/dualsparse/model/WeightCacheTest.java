package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.MissingTensorException;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.WeightCacheException;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quantized weights are cached next to the checkpoint at the first load and read back at the
 * next; a cache for another state of the checkpoint is made again, a corrupt one is refused
 * with an error naming the file, and a failed load leaves no cache behind.
 */
class WeightCacheTest {

    private static final long[] IDS = {3, 41, 7, 58, 15, 60, 2, 33};
    private static final LoadOptions INT4 = LoadOptions.of(null, "int4", 32, true);

    @TempDir
    Path dir;

    private final JsonObject config = TinyConfigs.qwen2Moe();

    @Test
    void theSecondLoadReadsTheCacheAndComputesTheSame() throws IOException {
        write(3);
        float[] first = logits(INT4);
        Path cache = cacheFile();
        assertTrue(Files.size(cache) > 0);
        long written = Files.getLastModifiedTime(cache).toMillis();
        float[] second = logits(INT4);
        assertArrayEquals(first, second, "the cached graphs are the graphs");
        assertEquals(written, Files.getLastModifiedTime(cache).toMillis(), "read, not written again");
        assertEquals(List.of(cache), cacheFiles(), "one file, no temporary left");
    }

    @Test
    void aCacheOfAnotherCheckpointStateIsMadeAgain() throws IOException, InterruptedException {
        write(3);
        logits(INT4);
        Thread.sleep(20);
        write(4);
        float[] reloaded = logits(INT4);
        assertArrayEquals(logits(INT4.withWeightCache(LoadOptions.NO_CACHE)), reloaded, "the new weights, not the cached old ones");
    }

    /**
     * {@code cp -p}, {@code rsync -a} and tar copy a file's modification time: a fine-tuned file
     * of the same size put in place with the old file's time must not be served the old cache,
     * whether it is written over the old file (its inode kept) or renamed over it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSameSizedFileWithTheOldModificationTimeIsNotServedTheOldCache(boolean inPlace, @TempDir Path fineTuned) throws IOException {
        write(3);
        logits(INT4);
        Path weights = dir.resolve("model.safetensors");
        FileTime modified = Files.getLastModifiedTime(weights);
        long size = Files.size(weights);
        ReferenceCheckpoints.write(fineTuned, config, ReferenceWeights.random(config, 4), DType.F32, false);
        Path replacement = fineTuned.resolve("model.safetensors");
        assertEquals(size, Files.size(replacement), "the same size");
        if (inPlace) {
            Files.write(weights, Files.readAllBytes(replacement));
        } else {
            Files.move(replacement, weights, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setLastModifiedTime(weights, modified);
        float[] reloaded = logits(INT4);
        assertArrayEquals(logits(INT4.withWeightCache(LoadOptions.NO_CACHE)), reloaded, "the new weights, not the cached old ones");
    }

    @Test
    void eachFormatAndLayoutHasItsOwnCache() throws IOException {
        write(3);
        logits(INT4);
        logits(LoadOptions.of(null, "int8", 32, true));
        logits(LoadOptions.of(null, "int4", 16, false));
        assertEquals(3, cacheFiles().size());
    }

    @Test
    void noneCachesNothingAndAFolderHoldsTheCacheElsewhere(@TempDir Path elsewhere) throws IOException {
        write(3);
        logits(INT4.withWeightCache(LoadOptions.NO_CACHE));
        assertFalse(Files.exists(dir.resolve(".dualsparse-cache")));
        logits(INT4.withWeightCache(elsewhere.toString()));
        try (Stream<Path> files = Files.walk(elsewhere)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".dspk")).count());
        }
    }

    @Test
    void aCorruptCacheIsRefusedNamingTheFile() throws IOException {
        write(3);
        logits(INT4);
        Path cache = cacheFile();
        try (RandomAccessFile file = new RandomAccessFile(cache.toFile(), "rw")) {
            long middle = file.length() / 2;
            file.seek(middle);
            int b = file.read();
            file.seek(middle);
            file.write(b ^ 0x5A);
        }
        WeightCacheException e = assertThrows(WeightCacheException.class, () -> logits(INT4));
        assertEquals(cache, e.file());
        assertTrue(e.getMessage().contains(cache.toString()), e.getMessage());

        try (RandomAccessFile file = new RandomAccessFile(cache.toFile(), "rw")) {
            file.setLength(file.length() / 3);
        }
        e = assertThrows(WeightCacheException.class, () -> logits(INT4));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("past the end"), e.getMessage());

        Files.write(cache, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        e = assertThrows(WeightCacheException.class, () -> logits(INT4));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }

    @Test
    void aFailedLoadLeavesNoCache() throws IOException {
        Map<String, float[]> w = new LinkedHashMap<>(ReferenceWeights.random(config, 3));
        w.remove("model.layers.1.mlp.shared_expert_gate.weight");
        ReferenceCheckpoints.write(dir, config, w, DType.F32, false);
        assertThrows(MissingTensorException.class, () -> logits(INT4));
        assertEquals(List.of(), cacheFiles());
    }

    private void write(long seed) throws IOException {
        ReferenceCheckpoints.write(dir, config, ReferenceWeights.random(config, seed), DType.F32, false);
    }

    private float[] logits(LoadOptions options) {
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir, options);
                NDManager step = lm.model().getNDManager().newSubManager()) {
            assertTrue(((OrtMatrices) lm.backend()).weightBytes() > 0);
            return lm.forward(step, new long[][] {IDS}, null, null, false).toFloatArray();
        }
    }

    private Path cacheFile() {
        List<Path> files = cacheFiles();
        assertEquals(1, files.size(), "cache files: " + files);
        return files.get(0);
    }

    private List<Path> cacheFiles() {
        Path folder = dir.resolve(".dualsparse-cache");
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
