package org.dualsparse.cli;

import java.nio.file.Path;

/** A calibration data file that cannot be read as promised; the message names the file and line. */
final class DataFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    DataFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    DataFileException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
