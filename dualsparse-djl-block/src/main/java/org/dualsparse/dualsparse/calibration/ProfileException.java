package org.dualsparse.dualsparse.calibration;

import java.nio.file.Path;

/**
 * A calibration profile file cannot be used: missing, truncated, corrupt, of another format or
 * version, or measured on another model. The message starts with the file.
 */
public class ProfileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ProfileException(Path file, String problem) {
        this(file, problem, null);
    }

    public ProfileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
