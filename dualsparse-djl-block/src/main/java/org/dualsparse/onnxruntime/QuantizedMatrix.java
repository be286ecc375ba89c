package org.dualsparse.onnxruntime;

/**
 * A weight matrix {@code W [outputs, inputs]} quantized block by block along its inputs, in the
 * byte layout of {@code com.microsoft.MatMulNBits}: row by row, block by block, values packed
 * from the low bits up; one scale per block; zero points (when not symmetric) packed the same
 * way, row by row.
 *
 * @param outputs rows, {@code N}
 * @param inputs columns, {@code K}
 * @param weights {@code [N, blocks, blockBytes]}
 * @param scales {@code [N, blocks]}
 * @param zeroPoints {@code [N, zeroPointBytes]}, or null when symmetric
 */
public record QuantizedMatrix(
        Quantization quantization, long outputs, long inputs, byte[] weights, float[] scales, byte[] zeroPoints) {

    /** The value stored for weight {@code (row, column)}, as MatMulNBits dequantizes it. */
    public float dequantized(int row, int column) {
        Quantization q = quantization;
        int blocks = q.blocks(inputs);
        int block = column / q.blockSize();
        int inBlock = column % q.blockSize();
        int blockStart = (row * blocks + block) * q.blockBytes();
        int level = unpack(weights, blockStart, inBlock, q.bits());
        int zeroPoint = zeroPoints == null
                ? q.symmetricZeroPoint()
                : unpack(zeroPoints, row * q.zeroPointBytes(inputs), block, q.bits());
        return (level - zeroPoint) * scales[row * blocks + block];
    }

    /** Bytes the packed form takes: weights, scales and zero points. */
    public long bytes() {
        return weights.length + 4L * scales.length + (zeroPoints == null ? 0 : zeroPoints.length);
    }

    static int unpack(byte[] packed, int start, int index, int bits) {
        if (bits == 8) {
            return packed[start + index] & 0xFF;
        }
        int b = packed[start + index / 2] & 0xFF;
        return index % 2 == 0 ? b & 0x0F : b >>> 4;
    }
}
