package org.dualsparse.onnxruntime;

import ai.djl.pytorch.jni.JniUtils;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.dualsparse.nn.TorchEngine;

/**
 * The process's one ONNX Runtime environment and how every weight product's session is made and
 * run. All sessions share one global intra-op pool, one thread per processor by default ({@value
 * #THREADS_PROPERTY}), whose workers spin between products ({@value #SPIN_PROPERTY}): waking a
 * sleeping worker costs more than a small product. So that nothing fights them for the cores, a
 * thread that runs ONNX Runtime products runs its libtorch operations (the glue between products)
 * on itself alone, unless the user set libtorch's threads ({@value TorchEngine#THREADS_PROPERTY}):
 * libtorch's OpenMP workers, spinning after each parallel operation, would take the cores ORT's
 * workers need.
 */
public final class OrtRuntime {

    /** System property: intra-op threads of the global pool. */
    public static final String THREADS_PROPERTY = "dualsparse.onnxruntime.threads";

    /** System property: whether the pool's idle workers spin (default: when it has more than one thread); false for many threads calling at once. */
    public static final String SPIN_PROPERTY = "dualsparse.onnxruntime.spin";

    private static final ThreadLocal<Boolean> LIBTORCH_ON_CALLER = ThreadLocal.withInitial(() -> false);

    private static final LongAdder CALLS = new LongAdder();
    private static final LongAdder NANOS = new LongAdder();
    private static OrtEnvironment environment;

    private OrtRuntime() {}

    /** The environment, made on first use with the global thread pool. */
    public static synchronized OrtEnvironment environment() {
        if (environment == null) {
            int threads = Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
            try (OrtEnvironment.ThreadingOptions threading = new OrtEnvironment.ThreadingOptions()) {
                threading.setGlobalIntraOpNumThreads(threads);
                threading.setGlobalInterOpNumThreads(1);
                // A pool of one thread has no workers to keep spinning.
                threading.setGlobalSpinControl(Boolean.parseBoolean(System.getProperty(SPIN_PROPERTY, Boolean.toString(threads > 1))));
                environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "dualsparse", threading);
            } catch (OrtException e) {
                throw new OnnxRuntimeException("cannot start ONNX Runtime with " + threads + " threads", e);
            }
        }
        return environment;
    }

    /**
     * A session over the serialized model {@code model}, on the global pool. Memory arenas are
     * off: with thousands of one-product sessions, an arena each would keep its scratch forever.
     */
    static OrtSession session(byte[] model, String what) {
        try (OrtSession.SessionOptions options = sessionOptions()) {
            return environment().createSession(model, options);
        } catch (OrtException e) {
            throw new OnnxRuntimeException("ONNX Runtime refused the product graph of " + what, e);
        }
    }

    /** {@link #session(byte[], String)} over a direct buffer (a graph read back from a {@link WeightCache}). */
    static OrtSession session(ByteBuffer model, String what) {
        try (OrtSession.SessionOptions options = sessionOptions()) {
            return environment().createSession(model, options);
        } catch (OrtException e) {
            throw new OnnxRuntimeException("ONNX Runtime refused the cached product graph of " + what, e);
        }
    }

    /** Runs {@code session} into the pre-bound {@code outputs}, counted in {@link #calls()} and {@link #nanos()}. */
    static void run(OrtSession session, Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs) throws OrtException {
        if (!LIBTORCH_ON_CALLER.get()) {
            LIBTORCH_ON_CALLER.set(true);
            if (System.getProperty(TorchEngine.THREADS_PROPERTY) == null) {
                // libtorch's thread count is the calling thread's (an OpenMP setting per thread).
                JniUtils.setNumThreads(1);
            }
        }
        long start = System.nanoTime();
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            // The outputs were written into the pre-bound tensors.
        } finally {
            NANOS.add(System.nanoTime() - start);
            CALLS.increment();
        }
    }

    /** Sessions run in this process so far, by every thread. */
    public static long calls() {
        return CALLS.sum();
    }

    /** Nanoseconds spent in ONNX Runtime's {@code run} so far, summed over every thread. */
    public static long nanos() {
        return NANOS.sum();
    }

    static void close(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            throw new OnnxRuntimeException("cannot close an ONNX Runtime session", e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions() throws OrtException {
        environment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.disablePerSessionThreads();
        options.setCPUArenaAllocator(false);
        options.setMemoryPatternOptimization(false);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
        return options;
    }
}
