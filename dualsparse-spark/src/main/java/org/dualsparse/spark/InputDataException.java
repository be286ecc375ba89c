package org.dualsparse.spark;

/** A job's input file or folder cannot be read as rows of text: names the path and what is wrong. */
public final class InputDataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    InputDataException(String path, String problem) {
        super(path + ": " + problem);
    }
}
