package org.dualsparse.translate;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.generate.GenerationOptions;

/**
 * A conversation for the model to answer, rendered with the model's chat template.
 *
 * @param messages the conversation so far, oldest first
 * @param options changes to the model's and the Criteria's generation options for this call only
 * @param onText receives the reply piece by piece as it is produced (null for none)
 */
public record ChatRequest(List<ChatMessage> messages, UnaryOperator<GenerationOptions.Builder> options, Consumer<String> onText) {

    public ChatRequest {
        messages = List.copyOf(messages);
        options = options == null ? UnaryOperator.identity() : options;
    }

    public static ChatRequest of(ChatMessage... messages) {
        return new ChatRequest(List.of(messages), null, null);
    }

    public static ChatRequest of(List<ChatMessage> messages) {
        return new ChatRequest(messages, null, null);
    }

    public ChatRequest withOptions(UnaryOperator<GenerationOptions.Builder> options) {
        return new ChatRequest(messages, options, onText);
    }

    public ChatRequest streamingTo(Consumer<String> onText) {
        return new ChatRequest(messages, options, onText);
    }
}
