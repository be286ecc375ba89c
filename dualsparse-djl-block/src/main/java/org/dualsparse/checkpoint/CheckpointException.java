package org.dualsparse.checkpoint;

import java.nio.file.Path;

/**
 * Base of every error raised while reading or writing a checkpoint. The message always starts
 * with the file or directory concerned and names the tensor where one is involved.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public CheckpointException(Path path, String problem) {
        this(path, problem, null);
    }

    public CheckpointException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
    }

    /** The file or checkpoint directory the error concerns. */
    public Path path() {
        return path;
    }

    /** How messages refer to a tensor: {@code tensor 'name'}. */
    static String tensor(String name) {
        return "tensor '" + name + "'";
    }
}
