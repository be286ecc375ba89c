package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While a backend reads its matrices from a cache, stacked experts are checked against the checkpoint but not read from it. */
class CachedExpertsTest {

    private static final JsonObject CONFIG = TinyConfigs.mixtral();

    @Test
    void stackedExpertsAreCheckedAndCountedButNotRead(@TempDir Path dir) throws IOException {
        ReferenceCheckpoints.write(dir, CONFIG, ReferenceWeights.random(CONFIG, 3), DType.F32, false);
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                Checkpoint checkpoint = Checkpoint.open(dir);
                CheckpointWeights fromCache = new CheckpointWeights(checkpoint, manager, new CachedBackend());
                CheckpointWeights read = new CheckpointWeights(checkpoint, manager)) {
            List<String> names = gateNames(0);
            long[] part = {24, 32};
            NDArray unread = fromCache.loadConcatenated(names, part, 4, 24, 32);
            assertEquals(new Shape(4, 24, 32), unread.getShape());
            NDArray values = read.loadConcatenated(names, part, 4, 24, 32);
            assertEquals(new Shape(4, 24, 32), values.getShape());
            assertThrows(ShapeMismatchException.class, () -> fromCache.loadConcatenated(names, new long[] {32, 24}, 4, 32, 24));
        }
    }

    private static List<String> gateNames(int layer) {
        List<String> names = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            names.add(ExpertWeights.tensorName("model.layers." + layer + ".block_sparse_moe.experts.", e, "w1"));
        }
        return names;
    }

    /** A packing backend in the middle of reading its cache: it never looks at the arrays' values. */
    private static final class CachedBackend implements MatrixBackend {

        @Override
        public boolean keepsArrays() {
            return false;
        }

        @Override
        public boolean readsValues() {
            return false;
        }

        @Override
        public WeightMatrix matrix(NDArray stack, int index, long rowFrom, long rowTo, long columnFrom, long columnTo) {
            throw new UnsupportedOperationException();
        }
    }
}
