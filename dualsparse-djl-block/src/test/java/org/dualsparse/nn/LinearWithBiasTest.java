package org.dualsparse.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A biased product through the seam rounds as DJL's fused linear does, and lives in the activations' manager. */
class LinearWithBiasTest {

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @Test
    void biasedLinearIsTheFusedLinearInTheStepsManager() {
        try (NDManager model = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = model.randomNormal(0, 1, new Shape(24, 32), DataType.FLOAT32);
            NDArray bias = model.randomNormal(0, 1, new Shape(24), DataType.FLOAT32);
            WeightMatrix matrix = TorchMatrices.BACKEND.matrix(weight);
            try (NDManager step = model.newSubManager()) {
                NDArray x = step.randomNormal(0, 1, new Shape(2, 5, 32), DataType.FLOAT32);
                NDArray product = matrix.linear(x, bias);
                assertArrayEquals(Linear.linear(x, weight, bias).head().toFloatArray(), product.toFloatArray());
                assertTrue(step.getManagedArrays().contains(product));
            }
        }
    }
}
