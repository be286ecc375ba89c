package org.dualsparse.decoder;

/** Model input that cannot be run: a token id outside the vocabulary, a sequence past the model's positions, ragged batches. */
public class InvalidInputException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }
}
