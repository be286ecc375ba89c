package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicInteger;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightMatrix;
import org.junit.jupiter.api.Test;

/** A thread that runs ONNX Runtime products leaves the cores to ORT's pool: its libtorch operations run on itself alone. */
class ThreadSharingTest {

    @Test
    void aThreadRunningProductsRunsLibtorchOnItselfAlone() throws InterruptedException {
        assertEquals(1, libtorchThreadsAfterAProduct(null));
    }

    @Test
    void libtorchThreadsTheUserSetAreLeftAlone() throws InterruptedException {
        assertEquals(2, libtorchThreadsAfterAProduct("2"));
    }

    /** libtorch's threads on a fresh thread that set them to 2 and then ran a product, with DJL's property as given. */
    private static int libtorchThreadsAfterAProduct(String property) throws InterruptedException {
        TorchEngine.get();
        String before = System.getProperty(TorchEngine.THREADS_PROPERTY);
        AtomicInteger threads = new AtomicInteger();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            WeightMatrix matrix = OrtMatrices.of(WeightFormat.F32).matrix(manager.ones(new Shape(4, 8)));
            if (property == null) {
                System.clearProperty(TorchEngine.THREADS_PROPERTY);
            } else {
                System.setProperty(TorchEngine.THREADS_PROPERTY, property);
            }
            Thread caller = new Thread(() -> {
                JniUtils.setNumThreads(2);
                try (NDManager step = manager.newSubManager()) {
                    matrix.linear(step.ones(new Shape(3, 8)));
                }
                threads.set(JniUtils.getNumThreads());
            });
            caller.start();
            caller.join();
            matrix.release();
        } finally {
            if (before == null) {
                System.clearProperty(TorchEngine.THREADS_PROPERTY);
            } else {
                System.setProperty(TorchEngine.THREADS_PROPERTY, before);
            }
            // libtorch also hands the count to MKL, for the whole process: the tests after this one run as configured.
            JniUtils.setNumThreads(before == null ? 1 : Integer.parseInt(before));
        }
        return threads.get();
    }
}
