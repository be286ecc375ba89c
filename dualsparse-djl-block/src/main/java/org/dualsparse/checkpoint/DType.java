package org.dualsparse.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** The floating-point element types a checkpoint may store. */
public enum DType {
    F32(4),
    BF16(2),
    F16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name a safetensors header uses for this type. */
    public String safetensorsName() {
        return name();
    }

    /** {@code value} rounded to this type, to nearest with ties to even; unchanged for F32. */
    public float round(float value) {
        return switch (this) {
            case F32 -> value;
            case BF16 -> HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(value));
            case F16 -> HalfPrecision.f16ToFloat(HalfPrecision.floatToF16(value));
        };
    }

    /** {@code values} as little-endian bytes of this type, each rounded as {@link #round} does. */
    public ByteBuffer encode(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(values.length, byteSize)).order(ByteOrder.LITTLE_ENDIAN);
        if (this == F32) {
            bytes.asFloatBuffer().put(values);
        } else {
            HalfPrecision.narrowInto(values, this, bytes.asShortBuffer());
        }
        return bytes;
    }

    /**
     * The type a safetensors header calls {@code name}.
     *
     * @throws UnsupportedDtypeException for any other type, naming {@code tensor} and {@code file}
     */
    public static DType parse(String name, String tensor, Path file) {
        for (DType type : values()) {
            if (type.safetensorsName().equals(name)) {
                return type;
            }
        }
        throw new UnsupportedDtypeException(file, tensor, name);
    }
}
