package org.dualsparse.onnxruntime;

import java.nio.file.Path;

/** A packed-weight cache that cannot be used: corrupt, unreadable or unwritable. The message names the file. */
public class WeightCacheException extends RuntimeException {

    private final Path file;

    public WeightCacheException(Path file, String problem) {
        this(file, problem, null);
    }

    public WeightCacheException(Path file, String problem, Throwable cause) {
        super("weight cache " + file + " " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
