package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.chat.ChatTemplate;
import org.dualsparse.chat.ChatTemplateException;
import org.dualsparse.config.ConfigException;
import org.dualsparse.tokenizer.TextTokenizer;
import org.dualsparse.tokenizer.TokenizerException;

/**
 * A {@code tokenizer_config.json} of any bytes beside a valid {@code tokenizer.json}: its special
 * tokens, and the chat template it may hold, rendered for a short conversation.
 */
class TokenizerConfigFuzzTest {

    /** A word-level tokenizer of three words: small enough to load for every input. */
    private static final byte[] TOKENIZER = """
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
             "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
             "model": {"type": "WordLevel", "vocab": {"<unk>": 0, "hello": 1, "world": 2}, "unk_token": "<unk>"}}
            """.getBytes(StandardCharsets.UTF_8);

    private static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.system("Be brief."), ChatMessage.user("hello world"));

    private static final Path DIR = Scratch.folder("tokenizer");

    static {
        Scratch.write(DIR, "tokenizer.json", TOKENIZER);
    }

    @FuzzTest(maxDuration = "5s")
    void loadsOrRefusesTheConfig(byte[] bytes) {
        Path file = Scratch.write(DIR, "tokenizer_config.json", bytes);
        Refusals.onlyTyped(file, () -> {
            try (TextTokenizer tokenizer = TextTokenizer.load(DIR)) {
                ChatTemplate.load(DIR, tokenizer.specialTokens()).render(CONVERSATION, true);
            }
        }, ConfigException.class, TokenizerException.class, ChatTemplateException.class);
    }
}
