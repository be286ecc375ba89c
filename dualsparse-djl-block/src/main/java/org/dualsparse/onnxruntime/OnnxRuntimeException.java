package org.dualsparse.onnxruntime;

/** ONNX Runtime failed to make or run a weight product; the message names which. */
public class OnnxRuntimeException extends RuntimeException {

    public OnnxRuntimeException(String message, Throwable cause) {
        super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }
}
