package org.dualsparse.checkpoint;

import java.nio.file.Path;

/**
 * The checkpoint on disk is not what it claims to be: a missing or truncated file, a malformed
 * header or index, tensor data outside the file or overlapping another tensor.
 */
public class CorruptCheckpointException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(Path path, String problem) {
        super(path, problem);
    }

    public CorruptCheckpointException(Path path, String problem, Throwable cause) {
        super(path, problem, cause);
    }
}
