package org.dualsparse.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ScalarsTest {

    /** The constant must outlive the forward op: backward runs after the JVM has collected garbage. */
    @Test
    void gradientsThroughConstantsSurviveAGarbageCollectionBeforeBackward() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (int round = 0; round < 20; round++) {
                NDArray x = m.create(new float[] {1f, -2f, 0.5f});
                x.setRequiresGradient(true);
                try (NDManager step = m.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray y = Scalars.div(Scalars.mul(x.toDevice(x.getDevice(), false), 3.0), 2.0).sum();
                    for (int i = 0; i < 50; i++) {
                        byte[] garbage = new byte[1 << 20];
                        garbage[i] = 1;
                    }
                    System.gc();
                    collector.backward(y);
                }
                assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f}, x.getGradient().toFloatArray(), 0f);
            }
        }
    }
}
