package org.dualsparse.dualsparse.parallel;

import java.nio.file.Path;

/** A placement file that does not describe a valid expert placement; names the file, line and value. */
public final class PlacementException extends RuntimeException {

    public PlacementException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
