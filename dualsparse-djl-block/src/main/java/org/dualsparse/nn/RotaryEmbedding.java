package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.dualsparse.config.YarnScaling;

/**
 * Rotary position embedding in the rotate-half convention: element {@code j} of a head is
 * rotated with element {@code j + dim/2}, by angle {@code position · invFreq[j mod dim/2]}; cos
 * and sin are multiplied by a magnitude (1 except under YaRN).
 */
public final class RotaryEmbedding {

    private final float[] invFreq;
    private final float magnitude;

    private RotaryEmbedding(float[] invFreq, float magnitude) {
        this.invFreq = invFreq.clone();
        this.magnitude = magnitude;
    }

    /** HF's default inverse frequencies {@code theta^(-2i/dim)}, computed in float32 as HF does. */
    public static RotaryEmbedding standard(int dim, double theta) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / dim));
        }
        return new RotaryEmbedding(inv, 1f);
    }

    /**
     * YaRN (DeepSeek-V2's {@code DeepseekV2YarnRotaryEmbedding}): frequencies that turn fewer than
     * {@code beta_slow} times over the original context are divided by the factor, those that turn
     * more than {@code beta_fast} times are kept, and a linear ramp over the frequency index blends
     * the two in between; cos and sin carry {@link YarnScaling#cosSinScale()}.
     */
    public static RotaryEmbedding yarn(int dim, double theta, YarnScaling yarn) {
        int low = (int) Math.max(Math.floor(correctionDim(yarn.betaFast(), dim, theta, yarn.originalMaxPositions())), 0);
        int high = (int) Math.min(Math.ceil(correctionDim(yarn.betaSlow(), dim, theta, yarn.originalMaxPositions())), dim - 1);
        double span = low == high ? 0.001 : high - low;
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            double extrapolated = 1.0 / Math.pow(theta, (double) (2 * i) / dim);
            double interpolated = extrapolated / yarn.factor();
            double ramp = Math.min(Math.max((i - low) / span, 0), 1);
            inv[i] = (float) (interpolated * ramp + extrapolated * (1 - ramp));
        }
        return new RotaryEmbedding(inv, (float) yarn.cosSinScale());
    }

    /** The frequency index whose wavelength fits {@code rotations} times into the original context. */
    private static double correctionDim(double rotations, int dim, double theta, int originalMaxPositions) {
        return dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
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
        if (magnitude == 1f) {
            return new NDList(angles.cos(), angles.sin());
        }
        return new NDList(angles.cos().mul(magnitude), angles.sin().mul(magnitude));
    }

    /** Rotates {@code x} {@code [B, H, S, dim]} by the angles from {@link #cosSin}. */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().getLastDimension() / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Reorders the rows of a projection so that its rotary outputs come out in rotate-half order
     * instead of interleaved-pair order: in every block of {@code blockRows} rows, the {@code
     * ropeDim} rows from {@code ropeStart} on, {@code [r0, r1, r2, r3, …]}, become {@code [r0, r2,
     * …, r1, r3, …]}. This is the permutation DeepSeek-V2's remote code applies to q_pe and k_pe
     * before rotate-half RoPE, moved into the weights once; the result is in {@code weight}'s
     * manager and {@code weight} is closed.
     */
    public static NDArray interleavedRowsAsHalves(NDArray weight, int blockRows, int ropeStart, int ropeDim) {
        long rows = weight.getShape().get(0);
        long[] order = new long[Math.toIntExact(rows)];
        for (int row = 0; row < rows; row++) {
            int inBlock = row % blockRows;
            int j = inBlock - ropeStart;
            boolean rotary = j >= 0 && j < ropeDim;
            int source = !rotary ? inBlock : ropeStart + (j < ropeDim / 2 ? 2 * j : 2 * (j - ropeDim / 2) + 1);
            order[row] = row - inBlock + source;
        }
        NDArray reordered = weight.get(weight.getManager().create(order));
        weight.close();
        return reordered;
    }
}
