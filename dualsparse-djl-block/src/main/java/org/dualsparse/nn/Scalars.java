package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Arithmetic with a constant that stays correct under autograd. DJL's PyTorch engine runs {@code
 * x.mul(number)} (and {@code div}, {@code pow}, {@code Activation.swish}) by wrapping the number
 * in a tensor over a Java direct buffer and closing it straight away; autograd keeps that tensor
 * for the backward pass, which then reads freed memory once the JVM has collected the buffer
 * (NaN or 1e13 gradients after a few steps). Here the constant is an array of {@code x}'s
 * manager, alive until the step ends.
 */
public final class Scalars {

    private Scalars() {}

    public static NDArray mul(NDArray x, double value) {
        return x.mul(x.getManager().create((float) value));
    }

    public static NDArray div(NDArray x, double value) {
        return x.div(x.getManager().create((float) value));
    }

    /** {@code x · sigmoid(x)}, SwiGLU's activation (DJL's {@code swish(x, 1)} multiplies by a number). */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }
}
