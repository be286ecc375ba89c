package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.dualsparse.nn.TorchEngine;

/** The start of every kernel benchmark's trial: the engine as the CLI starts it, with the trial's thread count. */
final class TorchTrial {

    private TorchTrial() {}

    /** Starts the PyTorch engine offline with {@code threads} intra-op threads; a base manager for the trial's arrays. */
    static NDManager start(int threads) {
        TorchEngine.get();
        JniUtils.setNumThreads(threads);
        return NDManager.newBaseManager();
    }
}
