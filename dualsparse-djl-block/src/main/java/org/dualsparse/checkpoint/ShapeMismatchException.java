package org.dualsparse.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/** A tensor's shape in the checkpoint differs from the shape the model's configuration implies. */
public class ShapeMismatchException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    private final String tensorName;
    private final long[] expected;
    private final long[] actual;

    public ShapeMismatchException(Path checkpoint, String tensorName, long[] expected, long[] actual) {
        super(checkpoint, tensor(tensorName) + " has shape " + Arrays.toString(actual)
                + " but the model expects " + Arrays.toString(expected));
        this.tensorName = tensorName;
        this.expected = expected.clone();
        this.actual = actual.clone();
    }

    public String tensorName() {
        return tensorName;
    }

    public long[] expected() {
        return expected.clone();
    }

    public long[] actual() {
        return actual.clone();
    }
}
