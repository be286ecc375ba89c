package org.dualsparse.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Products land in the activations' manager, and the column-major copy changes no value. */
class WeightProductTest {

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, WeightProduct.COLUMN_MAJOR_BELOW - 1, WeightProduct.COLUMN_MAJOR_BELOW, 40})
    void activationsProductIsThePlainProductInTheStepsManager(int columns) {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = model.randomNormal(0, 1, new Shape(24, 32), DataType.FLOAT32);
            int modelArrays = model.getManagedArrays().size();
            try (NDManager step = model.newSubManager()) {
                NDArray activations = step.randomNormal(0, 1, new Shape(32, columns), DataType.FLOAT32);
                NDArray product = WeightProduct.ofActivations(weight, activations);
                assertSame(step, product.getManager());
                assertEquals(new Shape(24, columns), product.getShape());
                // libtorch's SGEMM against a float64 loop: sums of 32 products agree to float32 rounding of the
                // values' scale, whichever kernel family runs.
                float[] expected = product(weight.toFloatArray(), activations.toFloatArray(), 24, 32, columns);
                float[] actual = product.toFloatArray();
                float scale = 0;
                float diff = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
                }
                assertTrue(diff <= 1e-5f * scale, columns + " columns: max |Δ| " + diff + " at scale " + scale);
            }
            assertEquals(modelArrays, model.getManagedArrays().size(), "nothing left in the model's manager");
        }
    }

    private static float[] product(float[] a, float[] b, int rows, int inner, int columns) {
        float[] c = new float[rows * columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                double sum = 0;
                for (int k = 0; k < inner; k++) {
                    sum += (double) a[i * inner + k] * b[k * columns + j];
                }
                c[i * columns + j] = (float) sum;
            }
        }
        return c;
    }
}
