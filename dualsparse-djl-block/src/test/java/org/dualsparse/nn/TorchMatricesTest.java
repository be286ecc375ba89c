package org.dualsparse.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Products land in the activations' manager, the column-major copy changes no value, sub-matrices
 * are the weight's rows and columns, and a matrix of a trained stack carries its gradient back.
 */
class TorchMatricesTest {

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, TorchMatrices.COLUMN_MAJOR_BELOW - 1, TorchMatrices.COLUMN_MAJOR_BELOW, 40})
    void activationsProductIsThePlainProductInTheStepsManager(int columns) {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = model.randomNormal(0, 1, new Shape(24, 32), DataType.FLOAT32);
            WeightMatrix matrix = TorchMatrices.BACKEND.matrix(weight);
            int modelArrays = model.getManagedArrays().size();
            try (NDManager step = model.newSubManager()) {
                NDArray activations = step.randomNormal(0, 1, new Shape(32, columns), DataType.FLOAT32);
                NDArray product = matrix.times(activations);
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

    @Test
    void rowsAndColumnsOfAStackedMatrixAreThoseOfItsWeight() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray stack = model.arange(0f, 3 * 4 * 5).reshape(3, 4, 5);
            WeightMatrix block = TorchMatrices.BACKEND.matrix(stack, 1, 1, 3, 2, 5);
            assertEquals(2, block.outputs());
            assertEquals(3, block.inputs());
            try (NDManager step = model.newSubManager()) {
                NDArray identity = step.eye(3);
                assertArrayEquals(stack.get(new NDIndex("1, 1:3, 2:5")).toFloatArray(),
                        block.timesTransposed(identity).toFloatArray());
                assertArrayEquals(stack.get(new NDIndex("1, 1:3, 2:5")).toFloatArray(), block.times(identity).toFloatArray());
            }
        }
    }

    @Test
    void matricesAreViewsOfTheirWeightNotCopies() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray stack = model.arange(0f, 3 * 4 * 5).reshape(3, 4, 5);
            WeightMatrix whole = TorchMatrices.BACKEND.matrix(stack, 2);
            WeightMatrix block = TorchMatrices.BACKEND.matrix(stack, 2, 1, 3, 2, 5);
            stack.muli(2);
            try (NDManager step = model.newSubManager()) {
                assertArrayEquals(stack.get(new NDIndex("2")).toFloatArray(), whole.times(step.eye(5)).toFloatArray());
                assertArrayEquals(stack.get(new NDIndex("2, 1:3, 2:5")).toFloatArray(), block.times(step.eye(3)).toFloatArray());
            }
        }
    }

    @Test
    void rangesOutsideTheMatrixAreRefused() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = model.zeros(new Shape(4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> TorchMatrices.BACKEND.matrix(weight, -1, 2, 5, 0, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> TorchMatrices.BACKEND.matrix(weight, -1, 0, 4, 3, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> TorchMatrices.BACKEND.matrix(weight, -1, 1, 3, -1, 2));
        }
    }

    @Test
    void aMatrixOfATrainedStackCarriesItsGradientBackToTheStack() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray stack = model.ones(new Shape(2, 3, 4));
            WeightMatrix expert = TorchMatrices.BACKEND.matrix(stack, 1, 0, 2, 0, 4);
            stack.setRequiresGradient(true);
            try (NDManager step = model.newSubManager();
                    GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray x = step.ones(new Shape(5, 4));
                collector.backward(expert.timesTransposed(x).sum());
            }
            float[] gradient = stack.getGradient().toFloatArray();
            for (int i = 0; i < gradient.length; i++) {
                boolean used = i >= 12 && i < 12 + 8;
                assertEquals(used ? 5f : 0f, gradient[i], "gradient of stack element " + i);
            }
        }
    }

    @Test
    void releasingAViewLeavesTheWeightToItsOwner() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray stack = model.ones(new Shape(2, 3, 4));
            int arrays = model.getManagedArrays().size();
            WeightMatrix expert = TorchMatrices.BACKEND.matrix(stack, 0);
            assertEquals(arrays + 1, model.getManagedArrays().size(), "one view");
            expert.release();
            assertEquals(arrays, model.getManagedArrays().size(), "the view is freed");
            NDArray weight = model.ones(new Shape(3, 4));
            TorchMatrices.BACKEND.matrix(weight).release();
            assertFalse(weight.isReleased(), "a whole matrix is its weight, which stays open");
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
