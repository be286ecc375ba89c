package org.dualsparse.generate;

import org.dualsparse.arguments.InvalidArgumentException;

/** A generation option outside its valid range; an argument of the wrong type is an {@link InvalidArgumentException}. */
public class InvalidOptionException extends InvalidArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidOptionException(String message) {
        super(message);
    }
}
