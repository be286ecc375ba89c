package org.dualsparse.checkpoint;

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
