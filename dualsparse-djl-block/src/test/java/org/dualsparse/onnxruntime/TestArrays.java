package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.dualsparse.model.TestModels;

/** Seeded random arrays and a comparison relative to the expected values' scale, for the backend's tests. */
final class TestArrays {

    private TestArrays() {}

    static NDArray random(NDManager manager, long seed, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(shape));
    }

    /** Equal within {@code tolerance} of the expected values' largest magnitude. */
    static void assertClose(NDArray expected, NDArray actual, double tolerance, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        float[] e = expected.toFloatArray();
        float scale = TestModels.maxAbs(e);
        float worst = TestModels.maxAbsDiff(e, actual.toFloatArray(), 0, 0, e.length);
        assertTrue(worst <= tolerance * scale, what + ": max |Δ| " + worst + " at scale " + scale);
    }
}
