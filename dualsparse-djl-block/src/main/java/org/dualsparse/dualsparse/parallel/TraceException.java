package org.dualsparse.dualsparse.parallel;

import java.nio.file.Path;

/** A routing trace file that cannot be read; names the file, line and value. */
public final class TraceException extends RuntimeException {

    public TraceException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
