package org.dualsparse.bench.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dualsparse.nn.TorchEngine;
import org.junit.jupiter.api.Test;

/** Both orientations compute the same expert, and leave nothing in the weights' manager. */
class ExpertOrientationTest {

    @Test
    void columnsComputeWhatRowsComputeWithinTheStep() {
        TorchEngine.get();
        try (NDManager base = NDManager.newBaseManager()) {
            NDArray gateUp = base.randomUniform(-0.5f, 0.5f, new Shape(2 * 24, 16), DataType.FLOAT32);
            NDArray down = base.randomUniform(-0.5f, 0.5f, new Shape(16, 24), DataType.FLOAT32);
            NDArray tokens = base.randomUniform(-1f, 1f, new Shape(5, 16), DataType.FLOAT32);
            int arrays = ((BaseNDManager) base).getManagedArrays().size();
            try (NDManager step = base.newSubManager()) {
                NDArray x = tokens.get(step, new NDIndex("..."));
                NDArray rows = ExpertOrientation.of("rows").expert(x, gateUp, down);
                NDArray columns = ExpertOrientation.of("columns").expert(x, gateUp, down);
                assertEquals(new Shape(5, 16), columns.getShape());
                // The two orientations run different GEMM kernels: equal to float32 rounding of the values' scale.
                assertClose(rows.toFloatArray(), columns.toFloatArray(), "expert output");
                assertClose(ExpertOrientation.ROWS.gateUp(x, gateUp).transpose().toFloatArray(),
                        ExpertOrientation.COLUMNS.gateUp(x, gateUp).toFloatArray(), "gate and up projections");
            }
            assertEquals(arrays, ((BaseNDManager) base).getManagedArrays().size(), "temporaries left in the base manager");
        }
    }

    /** max |Δ| ≤ 1e-5 · max |expected|: dot products of length 16 and 24 agree to a few float32 ulps of that scale. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        float scale = 0;
        float diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(diff <= 1e-5f * scale, what + ": max |Δ| " + diff + " at scale " + scale);
    }
}
