package org.dualsparse.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives: its type and shape, and the byte range it occupies in {@code file}.
 *
 * @param dataOffset absolute offset of the first byte in the file
 * @param byteLength length of the data in bytes, {@code numel() * dtype.byteSize()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long dataOffset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the dimensions, 1 for a scalar. */
    public long numel() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** The shape as {@code [8, 64]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && file.equals(that.file)
                && dataOffset == that.dataOffset
                && byteLength == that.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, dataOffset, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString() + " @" + file + "[" + dataOffset + ", +" + byteLength + "]";
    }
}
