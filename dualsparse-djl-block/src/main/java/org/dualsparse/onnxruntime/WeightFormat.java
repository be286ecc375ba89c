package org.dualsparse.onnxruntime;

import java.util.Locale;

/** How a weight matrix is stored for ONNX Runtime: float32 as loaded, or 8 or 4 bits per weight. */
public enum WeightFormat {
    F32(32),
    INT8(8),
    INT4(4);

    private final int bits;

    WeightFormat(int bits) {
        this.bits = bits;
    }

    /** Bits per stored weight, before scales and zero points. */
    public int bits() {
        return bits;
    }

    public boolean quantized() {
        return this != F32;
    }

    /** Parses {@code f32}, {@code int8} or {@code int4}, case-insensitively. */
    public static WeightFormat parse(String name) {
        for (WeightFormat format : values()) {
            if (format.name().equalsIgnoreCase(name)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown weight format \"" + name + "\"; use f32, int8 or int4");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
