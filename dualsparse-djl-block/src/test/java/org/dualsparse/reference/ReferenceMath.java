package org.dualsparse.reference;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** The float64 building blocks of the reference forward pass, one plain loop each. */
final class ReferenceMath {

    private ReferenceMath() {}

    /** y = x·Wᵀ + b for a PyTorch Linear weight W stored row-major as [out, in]; b may be null. */
    static double[] linear(double[] w, double[] b, double[] x, int out) {
        int in = x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) {
                s += w[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    /** RMSNorm of {@code x[from, from+n)}: w ⊙ x / sqrt(mean(x²) + eps). */
    static double[] rmsNorm(double[] x, int from, int n, double[] w, double eps) {
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            sumSq += x[from + i] * x[from + i];
        }
        double inv = 1 / Math.sqrt(sumSq / n + eps);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = w[i] * x[from + i] * inv;
        }
        return y;
    }

    static double[] rmsNorm(double[] x, double[] w, double eps) {
        return rmsNorm(x, 0, x.length, w, eps);
    }

    static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElseThrow();
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** SwiGLU: down(silu(gate·x) ⊙ up·x), gate/up [inter, d], down [d, inter]. */
    static double[] swiglu(double[] gate, double[] up, double[] down, double[] x, int inter) {
        double[] g = linear(gate, null, x, inter);
        double[] u = linear(up, null, x, inter);
        double[] a = new double[inter];
        for (int i = 0; i < inter; i++) {
            a[i] = silu(g[i]) * u[i];
        }
        return linear(down, null, a, x.length);
    }

    /**
     * Indices of the k largest scores, largest first. Equal scores are taken in ascending index order
     * ({@code torch.topk} does not specify its tie order; a tie is measure-zero with real weights).
     */
    static int[] topK(double[] scores, int k) {
        return IntStream.range(0, scores.length)
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /**
     * In-place rotate_half RoPE on the head {@code x[from, from+hd)} at position {@code pos}: pairs (j,
     * j+hd/2) rotate by pos·θ^(−2j/hd), i.e. x' = x·cos + [−x2 | x1]·sin.
     */
    static void rope(double[] x, int from, int hd, int pos, double theta) {
        rope(x, from, pos, ropeInverseFrequencies(hd, theta), 1);
    }

    /**
     * In-place rotate_half RoPE on {@code x[from, from+2·invFreq.length)} with the given inverse
     * frequencies, cos and sin multiplied by {@code magnitude} (YaRN's mscale ratio; 1 otherwise).
     */
    static void rope(double[] x, int from, int pos, double[] invFreq, double magnitude) {
        int half = invFreq.length;
        for (int j = 0; j < half; j++) {
            double angle = pos * invFreq[j];
            double cos = magnitude * Math.cos(angle);
            double sin = magnitude * Math.sin(angle);
            double a = x[from + j];
            double b = x[from + j + half];
            x[from + j] = a * cos - b * sin;
            x[from + j + half] = b * cos + a * sin;
        }
    }

    /** θ^(−2j/dim) for j < dim/2. */
    static double[] ropeInverseFrequencies(int dim, double theta) {
        double[] inv = new double[dim / 2];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = Math.pow(theta, -2.0 * j / dim);
        }
        return inv;
    }

    /**
     * DeepseekV2YarnRotaryEmbedding's inverse frequencies: {@code extra_j = θ^(−2j/dim)}, {@code
     * inter_j = extra_j / factor}, blended by a ramp over j from {@code low = max(⌊f(β_fast)⌋, 0)}
     * to {@code high = min(⌈f(β_slow)⌉, dim − 1)} with {@code f(r) = dim·ln(orig / (2πr)) / (2 ln θ)}:
     * {@code inter·ramp + extra·(1 − ramp)}.
     */
    static double[] yarnInverseFrequencies(
            int dim, double theta, double factor, int originalMaxPositions, double betaFast, double betaSlow) {
        double low = Math.max(Math.floor(yarnCorrectionDim(betaFast, dim, theta, originalMaxPositions)), 0);
        double high = Math.min(Math.ceil(yarnCorrectionDim(betaSlow, dim, theta, originalMaxPositions)), dim - 1);
        if (low == high) {
            high += 0.001; // yarn_linear_ramp_mask: "prevent singularity"
        }
        double[] extra = ropeInverseFrequencies(dim, theta);
        double[] inv = new double[extra.length];
        for (int j = 0; j < inv.length; j++) {
            double ramp = Math.min(Math.max((j - low) / (high - low), 0), 1);
            double keep = 1 - ramp; // inv_freq_mask
            inv[j] = extra[j] / factor * (1 - keep) + extra[j] * keep;
        }
        return inv;
    }

    private static double yarnCorrectionDim(double rotations, int dim, double theta, int originalMaxPositions) {
        return dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    /** yarn_get_mscale: 0.1·m·ln(s) + 1, or 1 for s ≤ 1. */
    static double yarnMscale(double scale, double m) {
        return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
    }

    static void clamp(double[] x, double bound) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(-bound, Math.min(bound, x[i]));
        }
    }

    static void addInPlace(double[] acc, double[] v, double scale) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += scale * v[i];
        }
    }
}
