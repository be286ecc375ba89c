package org.dualsparse.onnxruntime;

import static org.dualsparse.onnxruntime.TestArrays.assertClose;
import static org.dualsparse.onnxruntime.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightMatrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions read back from a cache are made on other threads while the load goes on; the load's end waits for them. */
class CachedSessionsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @Test
    void sessionsMadeWhileTheLoadGoesOnComputeWhatTheWrittenOnesDid() {
        Path file = dir.resolve("int4.dspk");
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray gateUp = random(model, 1, 3, 64, 32);
            NDArray down = random(model, 2, 3, 32, 32);
            NDArray weight = random(model, 3, 48, 32);
            NDArray[] written;
            try (OrtMatrices backend = OrtMatrices.of(WeightFormat.INT4); WeightCache cache = WeightCache.open(file, "f")) {
                backend.caching(cache);
                written = products(backend, gateUp, down, weight, model);
                cache.finish();
                backend.caching(null);
            }
            try (OrtMatrices backend = OrtMatrices.of(WeightFormat.INT4); WeightCache cache = WeightCache.open(file, "f")) {
                assertTrue(cache.reading());
                backend.caching(cache);
                NDArray[] read = products(backend, gateUp, down, weight, model);
                backend.caching(null);
                assertEquals(4, backend.sessions());
                for (int i = 0; i < read.length; i++) {
                    assertClose(written[i], read[i], 0, "product " + i);
                }
            }
        }
    }

    @Test
    void aCachedGraphOrtRefusesFailsTheLoadWhenItEnds() {
        Path file = dir.resolve("int8.dspk");
        try (WeightCache cache = WeightCache.open(file, "f")) {
            cache.add(48, 32, 10, new byte[] {1, 2, 3, 4});
            cache.finish();
        }
        try (NDManager model = NDManager.newBaseManager("PyTorch");
                OrtMatrices backend = OrtMatrices.of(WeightFormat.INT8);
                WeightCache cache = WeightCache.open(file, "f")) {
            backend.caching(cache);
            backend.matrix(random(model, 3, 48, 32));
            OnnxRuntimeException e = assertThrows(OnnxRuntimeException.class, () -> backend.caching(null));
            assertTrue(e.getMessage().contains("[48, 32]"), e.getMessage());
        }
    }

    /** Three experts and one matrix made by {@code backend}, each run once: the outputs. */
    private static NDArray[] products(OrtMatrices backend, NDArray gateUp, NDArray down, NDArray weight, NDManager model) {
        ExpertKernel[] experts = new ExpertKernel[3];
        for (int e = 0; e < 3; e++) {
            experts[e] = backend.expert(gateUp, down, e, new SwiGluLayout(32, 16, 16));
        }
        WeightMatrix matrix = backend.matrix(weight);
        NDArray x = random(model, 9, 5, 32);
        NDArray[] out = new NDArray[4];
        for (int e = 0; e < 3; e++) {
            out[e] = experts[e].apply(x, 2, null);
        }
        out[3] = matrix.linear(x);
        return out;
    }
}
