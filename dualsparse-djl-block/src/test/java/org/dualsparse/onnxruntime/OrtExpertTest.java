package org.dualsparse.onnxruntime;

import static org.dualsparse.onnxruntime.TestArrays.assertClose;
import static org.dualsparse.onnxruntime.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.MatrixExpertKernel;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.TorchMatrices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One ONNX Runtime session per expert: what it computes, in how many calls, and what it frees. */
class OrtExpertTest {

    private static final int HIDDEN = 64;
    private static final int NEURONS = 64;
    private static final SwiGluLayout DENSE = SwiGluLayout.dense(NEURONS);
    /** Four sub-experts of 16, the first two major: the partitioned layout. */
    private static final SwiGluLayout HALVES = new SwiGluLayout(NEURONS, 16, 32);

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    /** Float32: the fused expert equals libtorch's products, whole rows, major-only rows and any mix. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void float32EqualsLibtorchForEveryMixOfWholeAndMajorOnlyRows(boolean partitioned) {
        SwiGluLayout layout = partitioned ? HALVES : DENSE;
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray gateUp = random(model, 1, 2, 2 * NEURONS, HIDDEN);
            NDArray down = random(model, 2, 2, HIDDEN, NEURONS);
            ExpertKernel torch = TorchMatrices.BACKEND.expert(gateUp, down, 1, layout);
            ExpertKernel ort = OrtMatrices.of(WeightFormat.F32).expert(gateUp, down, 1, layout);
            for (int rows : new int[] {1, 3, 17, 80}) {
                for (int whole : new int[] {0, 1, rows / 2, rows}) {
                    try (NDManager step = model.newSubManager()) {
                        NDArray x = random(step, 7 + rows, rows, HIDDEN);
                        assertClose(torch.apply(x, whole, null), ort.apply(x, whole, null), 1e-5,
                                layout + ", " + whole + " of " + rows + " rows whole");
                    }
                }
            }
        }
    }

    /** int4: fused equals the same weights run product by product, so reordering the gate/up rows changed no weight. */
    @Test
    void int4EqualsTheSameWeightsProductByProduct() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray gateUp = random(model, 3, 1, 2 * NEURONS, HIDDEN);
            NDArray down = random(model, 4, 1, HIDDEN, NEURONS);
            OrtMatrices backend = OrtMatrices.of(WeightFormat.INT4);
            ExpertKernel fused = backend.expert(gateUp, down, 0, HALVES);
            ExpertKernel apart = new MatrixExpertKernel(backend, gateUp, down, 0, HALVES);
            for (int whole : new int[] {0, 2, 5}) {
                try (NDManager step = model.newSubManager()) {
                    NDArray x = random(step, 9, 5, HIDDEN);
                    assertClose(apart.apply(x, whole, null), fused.apply(x, whole, null), 1e-5, whole + " of 5 rows whole");
                }
            }
        }
    }

    @Test
    void anyMixRunsAsOneCallAndNeverMasks() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            ExpertKernel ort = OrtMatrices.of(WeightFormat.INT4)
                    .expert(random(model, 1, 1, 2 * NEURONS, HIDDEN), random(model, 2, 1, HIDDEN, NEURONS), 0, HALVES);
            try (NDManager step = model.newSubManager()) {
                NDArray x = random(step, 3, 6, HIDDEN);
                long before = OrtRuntime.calls();
                ort.apply(x, 0, null);
                ort.apply(x, 3, null);
                ort.apply(x, 6, null);
                assertEquals(3, OrtRuntime.calls() - before, "one ONNX Runtime call per expert run");
            }
            assertFalse(ort.masksMixed(3, 3));
            assertFalse(ort.masksMixed(1, 1));
        }
    }

    @Test
    void theActivationsShownAreLibtorchsInNeuronOrder() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray gateUp = random(model, 5, 1, 2 * NEURONS, HIDDEN);
            NDArray down = random(model, 6, 1, HIDDEN, NEURONS);
            ExpertKernel torch = TorchMatrices.BACKEND.expert(gateUp, down, 0, HALVES);
            ExpertKernel ort = OrtMatrices.of(WeightFormat.F32).expert(gateUp, down, 0, HALVES);
            try (NDManager step = model.newSubManager()) {
                NDArray x = random(step, 7, 4, HIDDEN);
                NDArray[] expected = new NDArray[2];
                torch.apply(x, 4, (gate, up) -> {
                    expected[0] = gate.duplicate();
                    expected[1] = up.duplicate();
                });
                NDArray[] seen = new NDArray[2];
                ort.apply(x, 4, (gate, up) -> {
                    seen[0] = gate.duplicate();
                    seen[1] = up.duplicate();
                });
                assertClose(expected[0], seen[0], 1e-5, "gate pre-activations");
                assertClose(expected[1], seen[1], 1e-5, "up pre-activations");
            }
        }
    }

    @Test
    void releasingAnExpertEndsItsSession() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            OrtMatrices backend = OrtMatrices.of(WeightFormat.INT8);
            ExpertKernel expert = backend.expert(random(model, 1, 1, 2 * NEURONS, HIDDEN), random(model, 2, 1, HIDDEN, NEURONS), 0, DENSE);
            assertEquals(1, backend.sessions());
            assertTrue(backend.weightBytes() > 0);
            expert.release();
            expert.release();
            assertEquals(0, backend.sessions());
        }
    }

    @Test
    void rowsOfTheWrongWidthAreRefused() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            ExpertKernel expert = OrtMatrices.of(WeightFormat.F32)
                    .expert(random(model, 1, 1, 2 * NEURONS, HIDDEN), random(model, 2, 1, HIDDEN, NEURONS), 0, HALVES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> expert.apply(random(model, 3, 2, HIDDEN + 1), 1, null));
            assertTrue(e.getMessage().contains("(2, 65)"), e.getMessage());
        }
    }
}
