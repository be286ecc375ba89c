package org.dualsparse.generate;

/** A generation option outside its valid range, or an argument of the wrong type. */
public class InvalidOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidOptionException(String message) {
        super(message);
    }
}
