package org.dualsparse.checkpoint;

import java.nio.file.Path;

/** The model needs a tensor that the checkpoint does not hold. */
public class MissingTensorException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    private final String tensorName;

    public MissingTensorException(Path checkpoint, String tensorName) {
        super(checkpoint, "no " + tensor(tensorName));
        this.tensorName = tensorName;
    }

    public String tensorName() {
        return tensorName;
    }
}
