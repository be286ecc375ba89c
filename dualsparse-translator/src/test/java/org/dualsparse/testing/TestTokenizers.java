package org.dualsparse.testing;

import java.nio.file.Path;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of tests that use both test tokenizers: byte-level BPE and SentencePiece-style. */
public abstract class TestTokenizers {

    @TempDir
    static Path tokenizerDir;

    protected static TextTokenizer byteBpe;
    protected static TextTokenizer sentencePiece;

    @BeforeAll
    static void loadTokenizers() {
        byteBpe = TextTokenizer.load(TinyModels.tokenizerOnly(tokenizerDir.resolve("byte-bpe"), "byte-bpe"));
        sentencePiece = TextTokenizer.load(TinyModels.tokenizerOnly(tokenizerDir.resolve("sentencepiece"), "sentencepiece"));
    }

    @AfterAll
    static void closeTokenizers() {
        byteBpe.close();
        sentencePiece.close();
    }
}
