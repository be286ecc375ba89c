package org.dualsparse.chat;

/** A chat template that cannot be read or rendered, or that refused the conversation ({@code raise_exception}). */
public class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
