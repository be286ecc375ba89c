package org.dualsparse.onnxruntime;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Quantizes float32 weights block by block into a {@link QuantizedMatrix}. Deterministic: the
 * same weights give the same bytes on every machine (plain float arithmetic, no vector kernels).
 *
 * <p>A symmetric block's scale maps the block's largest-magnitude weight {@code m} onto the most
 * negative level, {@code scale = -m / 2^(bits-1)}, as llama.cpp's Q4_0/Q8_0 do: that weight is
 * stored exactly and the full range of levels is used. An asymmetric block spans
 * {@code [min(w, 0), max(w, 0)]} with {@code 2^bits - 1} steps and a rounded zero point, so zero
 * (padding, pruned weights) stays exact.
 */
public final class BlockQuantizer {

    private BlockQuantizer() {}

    /** Quantizes the row-major {@code [outputs, inputs]} weights read from {@code w}'s position on. */
    public static QuantizedMatrix quantize(FloatBuffer w, int outputs, int inputs, Quantization q) {
        if ((long) outputs * inputs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a [" + outputs + ", " + inputs + "] matrix has more than 2^31 weights");
        }
        int blocks = q.blocks(inputs);
        int blockBytes = q.blockBytes();
        int zeroPointBytes = q.zeroPointBytes(inputs);
        byte[] weights = new byte[Math.multiplyExact(outputs, blocks * blockBytes)];
        float[] scales = new float[Math.multiplyExact(outputs, blocks)];
        byte[] zeroPoints = q.symmetric() ? null : new byte[outputs * zeroPointBytes];
        float[] block = new float[q.blockSize()];
        int base = w.position();
        for (int row = 0; row < outputs; row++) {
            for (int b = 0; b < blocks; b++) {
                int from = b * q.blockSize();
                int count = Math.min(q.blockSize(), inputs - from);
                w.get(base + row * inputs + from, block, 0, count);
                Arrays.fill(block, count, block.length, 0f);
                int blockIndex = row * blocks + b;
                int zeroPoint = q.symmetric()
                        ? quantizeSymmetric(block, q, weights, blockIndex * blockBytes, scales, blockIndex)
                        : quantizeAsymmetric(block, q, weights, blockIndex * blockBytes, scales, blockIndex);
                if (zeroPoints != null) {
                    pack(zeroPoints, row * zeroPointBytes, b, zeroPoint, q.bits());
                }
            }
        }
        return new QuantizedMatrix(q, outputs, inputs, weights, scales, zeroPoints);
    }

    private static int quantizeSymmetric(float[] block, Quantization q, byte[] out, int start, float[] scales, int index) {
        float extreme = 0;
        for (float v : block) {
            if (Math.abs(v) > Math.abs(extreme)) {
                extreme = v;
            }
        }
        int zeroPoint = q.symmetricZeroPoint();
        float scale = extreme == 0 ? 0 : -extreme / zeroPoint;
        scales[index] = scale;
        packLevels(block, scale, zeroPoint, q, out, start);
        return zeroPoint;
    }

    private static int quantizeAsymmetric(float[] block, Quantization q, byte[] out, int start, float[] scales, int index) {
        float min = 0;
        float max = 0;
        for (float v : block) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float scale = (max - min) / q.maxLevel();
        int zeroPoint = scale == 0 ? q.symmetricZeroPoint() : clamp(Math.round(-min / scale), q.maxLevel());
        scales[index] = scale;
        packLevels(block, scale, zeroPoint, q, out, start);
        return zeroPoint;
    }

    /** Stores each weight of {@code block} as its level, {@code round(w / scale) + zeroPoint} within the range. */
    private static void packLevels(float[] block, float scale, int zeroPoint, Quantization q, byte[] out, int start) {
        float inverse = scale == 0 ? 0 : 1 / scale;
        for (int i = 0; i < block.length; i++) {
            int level = clamp(Math.round(block[i] * inverse) + zeroPoint, q.maxLevel());
            pack(out, start, i, level, q.bits());
        }
    }

    private static int clamp(int level, int max) {
        return Math.max(0, Math.min(max, level));
    }

    private static void pack(byte[] packed, int start, int index, int level, int bits) {
        if (bits == 8) {
            packed[start + index] = (byte) level;
        } else {
            int at = start + index / 2;
            packed[at] = (byte) (index % 2 == 0 ? (packed[at] & 0xF0) | level : (packed[at] & 0x0F) | (level << 4));
        }
    }
}
