package org.dualsparse.onnxruntime;

/**
 * How weights are quantized: {@code bits} per weight in blocks of {@code blockSize} consecutive
 * inputs of one output row, each block with its own float32 scale and, unless {@code symmetric},
 * its own zero point. The layout is ONNX Runtime's {@code com.microsoft.MatMulNBits}.
 *
 * @param bits 4 or 8
 * @param blockSize a power of two from 16 to 256
 * @param symmetric whether blocks share the fixed zero point {@code 2^(bits-1)} (no zero points stored)
 */
public record Quantization(int bits, int blockSize, boolean symmetric) {

    public static final int DEFAULT_BLOCK_SIZE = 32;

    public Quantization {
        if (bits != 4 && bits != 8) {
            throw new IllegalArgumentException("quantization bits must be 4 or 8, not " + bits);
        }
        if (blockSize < 16 || blockSize > 256 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("quantization block size must be a power of two from 16 to 256, not " + blockSize);
        }
    }

    /**
     * The quantization of {@code format}'s weights in blocks of {@code blockSize}; float32 weights
     * are not quantized, and get the 8-bit layout as a placeholder that nothing reads.
     */
    public static Quantization of(WeightFormat format, int blockSize, boolean symmetric) {
        return new Quantization(format.quantized() ? format.bits() : 8, blockSize, symmetric);
    }

    /** Blocks per output row for {@code inputs} inputs, the last one padded with zeros. */
    public int blocks(long inputs) {
        return Math.toIntExact((inputs + blockSize - 1) / blockSize);
    }

    /** Bytes one block's weights take. */
    public int blockBytes() {
        return blockSize * bits / 8;
    }

    /** Bytes one output row's zero points take, packed as the weights are. */
    public int zeroPointBytes(long inputs) {
        return (blocks(inputs) * bits + 7) / 8;
    }

    /** The zero point of a symmetric block, {@code 2^(bits-1)}: the one MatMulNBits assumes when none is given. */
    public int symmetricZeroPoint() {
        return 1 << (bits - 1);
    }

    public int maxLevel() {
        return (1 << bits) - 1;
    }
}
