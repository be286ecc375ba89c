package org.dualsparse.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The PyTorch engine, started offline: native libtorch must come from the {@code
 * pytorch-native-cpu} Maven artifact on the classpath, never from a download.
 */
public final class TorchEngine {

    static final String NATIVE_ARTIFACTS =
            "ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier linux-x86_64) and ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1";

    /** DJL's system property for libtorch's intra-op threads. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private TorchEngine() {}

    /** Turns DJL's offline mode on (unless the user set it) and returns the started engine. */
    public static Engine get() {
        useOfflineMode();
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException(
                    "the PyTorch native library could not be loaded offline; add " + NATIVE_ARTIFACTS
                            + " to the classpath (cause: " + e.getMessage() + ")",
                    e);
        }
    }

    /**
     * Runs libtorch on {@code threads} intra-op threads, on the calling thread (and MKL's, for the
     * process), and records it as DJL's property, which the ONNX Runtime backend then leaves as set.
     */
    public static void useThreads(int threads) {
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
        JniUtils.setNumThreads(threads);
    }

    /**
     * Turns DJL's offline mode on unless the user set it: DJL then neither downloads natives nor
     * sends its start-up telemetry request.
     */
    public static void useOfflineMode() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
