package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.dualsparse.onnxruntime.TestArrays.assertClose;
import static org.dualsparse.onnxruntime.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightMatrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OrtMatricesTest {

    /** K = 80 is not a multiple of the 32-wide blocks: the last block is padded. */
    private static final int OUTPUTS = 24;
    private static final int INPUTS = 80;

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @Test
    void float32ProductsEqualLibtorchsInEveryOrientation() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = random(model, 1, OUTPUTS, INPUTS);
            WeightMatrix torch = TorchMatrices.BACKEND.matrix(weight);
            WeightMatrix ort = OrtMatrices.of(WeightFormat.F32).matrix(weight);
            for (int rows : new int[] {1, 3, 17}) {
                try (NDManager step = model.newSubManager()) {
                    NDArray x = random(step, 7 + rows, 2, rows, INPUTS);
                    assertClose(torch.linear(x), ort.linear(x), 1e-6, "linear, " + rows + " rows");
                    NDArray flat = x.get(0);
                    assertClose(torch.timesTransposed(flat), ort.timesTransposed(flat), 1e-6, "timesTransposed");
                    NDArray columns = flat.transpose().duplicate();
                    assertClose(torch.times(columns), ort.times(columns), 1e-6, "times");
                    NDArray bias = random(step, 3, OUTPUTS);
                    assertClose(torch.linear(x, bias), ort.linear(x, bias), 1e-6, "linear with bias");
                }
            }
            ort.release();
        }
    }

    @Test
    void aRegionOfAStackIsThatBlockOfItsMatrix() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray stack = random(model, 2, 3, OUTPUTS, 2 * 32);
            WeightMatrix torch = TorchMatrices.BACKEND.matrix(stack, 1, 4, 12, 32, 64);
            OrtMatrices backend = OrtMatrices.of(WeightFormat.F32);
            WeightMatrix ort = backend.matrix(stack, 1, 4, 12, 32, 64);
            assertEquals(8, ort.outputs());
            assertEquals(32, ort.inputs());
            assertEquals(8 * 32 * 4, backend.weightBytes());
            try (NDManager step = model.newSubManager()) {
                NDArray x = random(step, 5, 6, 32);
                assertClose(torch.timesTransposed(x), ort.timesTransposed(x), 1e-6, "region");
            }
        }
    }

    /**
     * Computed in float32 (accuracy level 1), MatMulNBits multiplies by exactly the weights
     * {@link QuantizedMatrix#dequantized} reads back: the packing is the one ORT reads.
     */
    @ParameterizedTest
    @CsvSource({"4, 32, true", "4, 32, false", "8, 32, true", "8, 32, false", "4, 16, false", "8, 64, true"})
    void quantizedProductsMultiplyByTheDequantizedWeights(int bits, int blockSize, boolean symmetric) {
        Quantization q = new Quantization(bits, blockSize, symmetric);
        WeightFormat format = bits == 4 ? WeightFormat.INT4 : WeightFormat.INT8;
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = random(model, 11, OUTPUTS, INPUTS);
            QuantizedMatrix packed = BlockQuantizer.quantize(weight.toByteBuffer(true).asFloatBuffer(), OUTPUTS, INPUTS, q);
            float[] dequantized = new float[OUTPUTS * INPUTS];
            for (int r = 0; r < OUTPUTS; r++) {
                for (int c = 0; c < INPUTS; c++) {
                    dequantized[r * INPUTS + c] = packed.dequantized(r, c);
                }
            }
            WeightMatrix reference = TorchMatrices.BACKEND.matrix(model.create(dequantized, new Shape(OUTPUTS, INPUTS)));
            WeightMatrix exact = new OrtMatrices(format, q, 1).matrix(weight);
            WeightMatrix fast = new OrtMatrices(format, q, OrtMatrices.INT8_COMPUTE).matrix(weight);
            try (NDManager step = model.newSubManager()) {
                NDArray x = random(step, 12, 9, INPUTS);
                assertClose(reference.linear(x), exact.linear(x), 1e-5, bits + "-bit at float32 compute");
                // int8 compute quantizes each activation block to 8 bits as well: ~1/127 of its scale.
                assertClose(reference.linear(x), fast.linear(x), 2e-2, bits + "-bit at int8 compute");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"4, true", "4, false", "8, true", "8, false"})
    void everyWeightIsWithinOneStepOfItsBlock(int bits, boolean symmetric) {
        Quantization q = new Quantization(bits, 32, symmetric);
        float[] w = new float[OUTPUTS * INPUTS];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * (i % 7 == 0 ? 3 : 0.1));
        }
        QuantizedMatrix packed = BlockQuantizer.quantize(FloatBuffer.wrap(w), OUTPUTS, INPUTS, q);
        int blocks = q.blocks(INPUTS);
        for (int r = 0; r < OUTPUTS; r++) {
            for (int c = 0; c < INPUTS; c++) {
                float step = Math.abs(packed.scales()[r * blocks + c / 32]);
                float error = Math.abs(packed.dequantized(r, c) - w[r * INPUTS + c]);
                // Half a step from rounding; a symmetric block's largest positive weight may be clamped a whole step.
                assertTrue(error <= step * (symmetric ? 1.0001f : 0.5001f), "weight (" + r + ", " + c + "): error " + error + ", step " + step);
            }
        }
        QuantizedMatrix again = BlockQuantizer.quantize(FloatBuffer.wrap(w), OUTPUTS, INPUTS, q);
        assertArrayEquals(packed.weights(), again.weights(), "deterministic");
        assertArrayEquals(packed.scales(), again.scales(), "deterministic");
        assertEquals(symmetric, packed.zeroPoints() == null);
        long expected = (long) OUTPUTS * blocks * 32 * bits / 8 + 4L * OUTPUTS * blocks
                + (symmetric ? 0 : (long) OUTPUTS * ((blocks * bits + 7) / 8));
        assertEquals(expected, packed.bytes());
    }

    @Test
    void aZeroBlockStaysZero() {
        float[] w = new float[2 * 32];
        QuantizedMatrix packed = BlockQuantizer.quantize(FloatBuffer.wrap(w), 2, 32, new Quantization(4, 32, true));
        for (int c = 0; c < 32; c++) {
            assertEquals(0f, packed.dequantized(1, c));
        }
    }

    @Test
    void badQuantizationsAndFormatsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Quantization(3, 32, true));
        assertThrows(IllegalArgumentException.class, () -> new Quantization(4, 48, true));
        assertThrows(IllegalArgumentException.class, () -> new OrtMatrices(WeightFormat.INT4, new Quantization(8, 32, true), 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightFormat.parse("int3"));
        assertTrue(e.getMessage().contains("int3"));
        assertFalse(OrtMatrices.of(WeightFormat.INT4).keepsArrays());
    }
}
