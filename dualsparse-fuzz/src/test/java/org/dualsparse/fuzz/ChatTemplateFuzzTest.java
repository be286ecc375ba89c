package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.chat.ChatTemplate;
import org.dualsparse.chat.ChatTemplateException;
import org.dualsparse.tokenizer.SpecialTokens;

/**
 * Chat templates and conversations of any text: the input is the template, then after each NUL
 * one message's content, the turns alternating user and assistant. A template may loop, recurse
 * or grow its output without bound; rendering must stop at the engine's limits with a
 * {@link ChatTemplateException}, never hang or exhaust the heap.
 */
class ChatTemplateFuzzTest {

    private static final SpecialTokens TOKENS = new SpecialTokens("<s>", "</s>", null, "<unk>");

    @FuzzTest(maxDuration = "5s")
    void rendersOrRefuses(byte[] bytes) {
        String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\0", -1);
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            messages.add(new ChatMessage(i % 2 == 1 ? "user" : "assistant", parts[i]));
        }
        if (messages.isEmpty()) {
            messages.add(ChatMessage.user("hello"));
        }
        Refusals.onlyTyped("", () -> ChatTemplate.of(parts[0], TOKENS).render(messages, true), ChatTemplateException.class);
    }
}
