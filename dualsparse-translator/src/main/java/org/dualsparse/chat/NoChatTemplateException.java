package org.dualsparse.chat;

/** The model has no chat template: it is a base model, to be prompted with plain text. */
public class NoChatTemplateException extends ChatTemplateException {

    private static final long serialVersionUID = 1L;

    public NoChatTemplateException(String message) {
        super(message);
    }
}
