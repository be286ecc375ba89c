package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding in the rotate-half convention: element {@code j} of a head is
 * rotated with element {@code j + dim/2}, by angle {@code position · invFreq[j mod dim/2]}.
 */
public final class RotaryEmbedding {

    private final float[] invFreq;

    public RotaryEmbedding(float[] invFreq) {
        this.invFreq = invFreq.clone();
    }

    /** HF's default inverse frequencies {@code theta^(-2i/dim)}, computed in float32 as HF does. */
    public static RotaryEmbedding standard(int dim, double theta) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / dim));
        }
        return new RotaryEmbedding(inv);
    }

    public int dim() {
        return invFreq.length * 2;
    }

    /**
     * cos and sin of every position, each {@code [B, 1, S, dim]} so they broadcast over heads.
     *
     * @param positions {@code [B, S]} int64 position ids
     */
    public NDList cosSin(NDArray positions) {
        NDArray inv = positions.getManager().create(invFreq);
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv);
        NDArray angles = NDArrays.concat(new NDList(freqs, freqs), -1).expandDims(1);
        return new NDList(angles.cos(), angles.sin());
    }

    /** Rotates {@code x} {@code [B, H, S, dim]} by the angles from {@link #cosSin}. */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().getLastDimension() / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
