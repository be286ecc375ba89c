package org.dualsparse.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions between float32 and the 16-bit formats BF16 and F16. Widening is exact; narrowing
 * rounds to nearest, ties to even, as IEEE 754 and PyTorch do.
 */
final class HalfPrecision {

    /** Elements converted per bulk transfer: large enough to amortise it, small enough for L1/L2. */
    private static final int CHUNK = 8192;

    private static final int F16_EXPONENT_MASK = 0x7C00;
    private static final int F16_QUIET_NAN_BIT = 0x0200;
    private static final int BF16_QUIET_NAN_BIT = 0x0040;
    /** Float32 and F16 exponent biases differ by 127 - 15. */
    private static final int EXPONENT_BIAS_DIFFERENCE = 112;

    private HalfPrecision() {
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            // Truncating could clear every payload bit and turn the NaN into infinity.
            return (short) ((bits >>> 16) | BF16_QUIET_NAN_BIT);
        }
        int lowestKeptBit = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lowestKeptBit) >>> 16);
    }

    static float f16ToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits & F16_EXPONENT_MASK) >>> 10;
        int mantissa = bits & 0x03FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | mantissa << 13);
        }
        if (exponent != 0) {
            return Float.intBitsToFloat(sign | (exponent + EXPONENT_BIAS_DIFFERENCE) << 23 | mantissa << 13);
        }
        float subnormal = mantissa * 0x1p-24f; // exact: at most 10 significant bits
        return sign == 0 ? subnormal : -subnormal;
    }

    static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x007FFFFF;
        if (exponent == 0xFF) {
            int nan = mantissa == 0 ? 0 : F16_QUIET_NAN_BIT | mantissa >>> 13;
            return (short) (sign | F16_EXPONENT_MASK | nan);
        }
        int halfExponent = exponent - EXPONENT_BIAS_DIFFERENCE;
        if (halfExponent >= 0x1F) {
            return (short) (sign | F16_EXPONENT_MASK);
        }
        if (halfExponent > 0) {
            // A carry out of the mantissa lands in the exponent, rounding 65520 and up to infinity.
            int half = halfExponent << 10 | mantissa >>> 13;
            return (short) (sign | roundHalfEven(half, mantissa & 0x1FFF, 13));
        }
        // F16 subnormal: the value in units of 2^-24, with the implicit leading bit made explicit.
        // Float32 subnormals and anything below half the smallest F16 subnormal round to zero.
        int shift = 14 - halfExponent;
        if (shift > 24) {
            return (short) sign;
        }
        int significand = mantissa | 0x00800000;
        return (short) (sign | roundHalfEven(significand >>> shift, significand & ((1 << shift) - 1), shift));
    }

    /** {@code kept} plus one when the {@code droppedBits}-bit remainder is above half, or exactly half and {@code kept} is odd. */
    private static int roundHalfEven(int kept, int remainder, int droppedBits) {
        int halfway = 1 << (droppedBits - 1);
        boolean up = remainder > halfway || (remainder == halfway && (kept & 1) != 0);
        return up ? kept + 1 : kept;
    }

    /** A new little-endian direct buffer holding the BF16 or F16 values of {@code raw} as float32. */
    static ByteBuffer widen(ByteBuffer raw, DType dtype) {
        ByteBuffer widened = ByteBuffer.allocateDirect(raw.remaining() / 2 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        widenInto(raw, dtype, widened.asFloatBuffer());
        return widened;
    }

    /** Writes the BF16 or F16 values of {@code raw} as float32 into {@code out}, advancing its position. */
    static void widenInto(ByteBuffer raw, DType dtype, FloatBuffer out) {
        ShortBuffer halves = raw.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        short[] halfChunk = new short[Math.min(CHUNK, halves.remaining())];
        float[] floatChunk = new float[halfChunk.length];
        while (halves.hasRemaining()) {
            int count = Math.min(halfChunk.length, halves.remaining());
            halves.get(halfChunk, 0, count);
            widen(halfChunk, floatChunk, count, dtype);
            out.put(floatChunk, 0, count);
        }
    }

    private static void widen(short[] halves, float[] floats, int count, DType dtype) {
        switch (dtype) {
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    floats[i] = bf16ToFloat(halves[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    floats[i] = f16ToFloat(halves[i]);
                }
            }
            case F32 -> throw new IllegalArgumentException("F32 is not a 16-bit type");
        }
    }

    /** Writes {@code floats} rounded to BF16 or F16 bit patterns into {@code out}, advancing its position. */
    static void narrowInto(float[] floats, DType dtype, ShortBuffer out) {
        short[] halfChunk = new short[Math.min(CHUNK, floats.length)];
        for (int from = 0; from < floats.length; from += halfChunk.length) {
            int count = Math.min(halfChunk.length, floats.length - from);
            narrow(floats, from, halfChunk, count, dtype);
            out.put(halfChunk, 0, count);
        }
    }

    /** Rounds {@code count} floats starting at {@code floats[from]} to BF16 or F16 bit patterns in {@code halves}. */
    static void narrow(float[] floats, int from, short[] halves, int count, DType dtype) {
        switch (dtype) {
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    halves[i] = floatToBf16(floats[from + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    halves[i] = floatToF16(floats[from + i]);
                }
            }
            case F32 -> throw new IllegalArgumentException("F32 is not a 16-bit type");
        }
    }
}
