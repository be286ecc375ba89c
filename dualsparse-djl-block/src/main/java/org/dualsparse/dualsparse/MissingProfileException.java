package org.dualsparse.dualsparse;


/** The DualSparse settings take something from a calibration profile, and none was given; the message says which argument to add. */
public final class MissingProfileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public MissingProfileException(String message) {
        super(message);
    }
}
