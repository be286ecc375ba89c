package org.dualsparse.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** A tensor is stored in a dtype this reader cannot turn into float32 (an integer, F64, FP8...). */
public class UnsupportedDtypeException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    private final String tensorName;
    private final String dtype;

    public UnsupportedDtypeException(Path file, String tensorName, String dtype) {
        super(file, tensor(tensorName) + " has dtype " + dtype + "; supported: " + supported());
        this.tensorName = tensorName;
        this.dtype = dtype;
    }

    public String tensorName() {
        return tensorName;
    }

    /** The dtype as the file spells it. */
    public String dtype() {
        return dtype;
    }

    private static String supported() {
        return Arrays.stream(DType.values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
    }
}
