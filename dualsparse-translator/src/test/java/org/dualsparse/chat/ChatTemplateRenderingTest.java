package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dualsparse.tokenizer.SpecialTokens;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real chat templates of the MoE families we load, rendered byte for byte as transformers'
 * {@code apply_chat_template} renders them ({@code tools/chat-templates/render_reference.py} made
 * {@code chat-templates/renderings.json}); where the template raises, we throw its message.
 */
class ChatTemplateRenderingTest {

    private static final String FIXTURES = "/chat-templates/";

    static Stream<Arguments> renderings() {
        JsonObject templates = json("templates.json").getAsJsonObject();
        List<Arguments> cases = new ArrayList<>();
        for (JsonElement element : json("renderings.json").getAsJsonObject().getAsJsonArray("cases")) {
            JsonObject rendering = element.getAsJsonObject();
            String name = rendering.get("template").getAsString();
            cases.add(Arguments.of(
                    name, rendering.get("conversation").getAsString(),
                    rendering.get("add_generation_prompt").getAsBoolean(),
                    templates.getAsJsonObject(name), rendering));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} × {1}, add_generation_prompt={2}")
    @MethodSource("renderings")
    void rendersAsTransformers(String name, String conversation, boolean addGenerationPrompt,
            JsonObject template, JsonObject rendering) {
        ChatTemplate chat = ChatTemplate.of(text(template.get("file").getAsString()), specialTokens(template));
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonElement message : rendering.getAsJsonArray("messages")) {
            JsonObject m = message.getAsJsonObject();
            messages.add(new ChatMessage(m.get("role").getAsString(), m.get("content").getAsString()));
        }
        if (rendering.has("error")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class,
                    () -> chat.render(messages, addGenerationPrompt));
            assertTrue(e.getMessage().endsWith(" refused the conversation: " + rendering.get("error").getAsString()),
                    e.getMessage());
        } else {
            assertEquals(rendering.get("expected").getAsString(), chat.render(messages, addGenerationPrompt));
        }
    }

    private static SpecialTokens specialTokens(JsonObject template) {
        JsonObject tokens = template.getAsJsonObject("special_tokens");
        return new SpecialTokens(token(tokens, "bos_token"), token(tokens, "eos_token"),
                token(tokens, "pad_token"), token(tokens, "unk_token"));
    }

    private static String token(JsonObject tokens, String key) {
        return tokens.has(key) ? tokens.get(key).getAsString() : null;
    }

    private static JsonElement json(String file) {
        return JsonParser.parseString(text(file));
    }

    private static String text(String file) {
        try (InputStream in = ChatTemplateRenderingTest.class.getResourceAsStream(FIXTURES + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + FIXTURES + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read test resource " + FIXTURES + file, e);
        }
    }
}
