package org.dualsparse.arguments;

/** An argument of the wrong type, outside its range or otherwise unusable; the message names it and its value. */
public class InvalidArgumentException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(message);
    }
}
