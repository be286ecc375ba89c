package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.SpecialTokens;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real templates against the strings Python's Jinja2 renders for them (trim_blocks, lstrip_blocks, as HF). */
class ChatTemplateTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("Be brief."),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("Hello!"),
            ChatMessage.user("Grüße, 世界"));

    @TempDir
    Path dir;

    @Test
    void qwenChatMl() {
        ChatTemplate template = load("byte-bpe");
        assertEquals(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                template.render(List.of(ChatMessage.user("Hi")), true));
        assertEquals(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                        + "<|im_start|>user\nGrüße, 世界<|im_end|>\n<|im_start|>assistant\n",
                template.render(CONVERSATION, true));
        assertEquals(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n",
                template.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!")), false));
    }

    @Test
    void mixtralInstruct() {
        ChatTemplate template = load("sentencepiece");
        assertEquals("<s> [INST] Hi [/INST]", template.render(List.of(ChatMessage.user("Hi")), true));
        assertEquals(
                "<s> [INST] Be brief.\n\nHi [/INST] Hello!</s> [INST] Grüße, 世界 [/INST]",
                template.render(CONVERSATION, true));
        assertEquals(
                "<s> [INST] Hi [/INST] Hello!</s>",
                template.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!")), false));
    }

    @Test
    void raiseExceptionRefusesTheConversation() {
        ChatTemplate template = load("sentencepiece");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> template.render(List.of(ChatMessage.assistant("Hello!")), true));
        assertTrue(e.getMessage().endsWith("tokenizer_config.json chat_template refused the conversation: After the optional"
                + " system message, conversation roles must alternate user/assistant/user/assistant/..."), e.getMessage());
    }

    @Test
    void aChatTemplateJinjaFileWins() throws Exception {
        Path model = TinyModels.tokenizerOnly(dir, "byte-bpe");
        Files.writeString(model.resolve("chat_template.jinja"), "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}");
        assertEquals("[user] Hi\n", ChatTemplate.load(model, SpecialTokens.NONE).render(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void aBaseModelHasNoTemplate() throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        NoChatTemplateException e = assertThrows(NoChatTemplateException.class, () -> ChatTemplate.load(dir, SpecialTokens.NONE));
        assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
    }

    @Test
    void templateBugsAreReportedNotRenderedAsText() {
        ChatTemplate template = ChatTemplate.of("{{ messages[0].content.frobnicate('x') }}", SpecialTokens.NONE);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(List.of(ChatMessage.user("Hix")), true));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
    }

    private ChatTemplate load(String tokenizer) {
        Path model = TinyModels.tokenizerOnly(dir, tokenizer);
        try (TextTokenizer tokens = TextTokenizer.load(model)) {
            return ChatTemplate.load(model, tokens.specialTokens());
        }
    }
}
