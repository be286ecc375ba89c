package org.dualsparse.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dualsparse.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextTokenizerTest extends TestTokenizers {

    private static final List<String> TEXTS = List.of(
            "Hello world",
            "the world and the rest",
            "Grüße aus Köln, ä ö ü ß",
            "中文 字符 and emoji 🙂🎉",
            "  leading spaces\n\nand\ttabs  ",
            "");

    @Test
    void byteLevelBpeRoundTripsAnyText() {
        for (String text : TEXTS) {
            assertEquals(text, byteBpe.decode(byteBpe.encode(text, true)), text);
        }
    }

    @Test
    void sentencePieceRoundTripsTextAndPrependsBos() {
        for (String text : TEXTS) {
            long[] ids = sentencePiece.encode(text, true);
            assertEquals(1, ids[0], "BOS <s> first");
            String expected = text.startsWith(" ") ? text.substring(1) : text;
            assertEquals(expected, sentencePiece.decode(ids), text);
        }
    }

    @Test
    void mergesAndSpecialTokensAreSingleTokens() {
        assertEquals(2, byteBpe.encode("Hello world", false).length, "Hello + Ġworld");
        assertEquals(2, sentencePiece.encode("Hello world", false).length, "▁Hello + ▁world");
        assertEquals(1, byteBpe.encode("<|im_start|>", false).length);
        assertEquals(3, byteBpe.encode("中", false).length, "a CJK character is three byte tokens");
        assertEquals(3, sentencePiece.encode("中", false).length - 1, "▁ then three <0xNN> byte-fallback tokens");
        assertEquals(byteBpe.specialTokens().eos(), "<|im_end|>");
        assertEquals(sentencePiece.specialTokens().bos(), "<s>");
    }

    @Test
    void longTextsAreNotTruncated() {
        String text = "the world ".repeat(600);
        assertTrue(sentencePiece.encode(text, true).length > 1200, "tokenizer_config says model_max_length 16");
        assertTrue(byteBpe.encode(text, true).length > 1200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"byte-bpe", "sentencepiece"})
    void incrementalDecodingConcatenatesToTheWholeDecode(String name) {
        TextTokenizer tokenizer = name.equals("byte-bpe") ? byteBpe : sentencePiece;
        List<long[]> words = new ArrayList<>();
        for (String text : TEXTS) {
            for (String word : text.split("(?<= )")) {
                words.add(tokenizer.encode(word, false));
            }
        }
        Random random = new Random(3);
        for (int i = 0; i < 300; i++) {
            List<Long> ids = new ArrayList<>();
            for (int w = random.nextInt(8); w >= 0; w--) {
                for (long id : words.get(random.nextInt(words.size()))) {
                    ids.add(id);
                }
            }
            assertStreamsLikeWholeDecode(tokenizer, ids.stream().mapToLong(Long::longValue).toArray());
        }
    }

    @Test
    void byteLevelStreamsEvenInvalidUtf8LikeTheWholeDecode() {
        Random random = new Random(5);
        for (int i = 0; i < 300; i++) {
            long[] ids = new long[1 + random.nextInt(12)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = random.nextInt(277);
            }
            assertStreamsLikeWholeDecode(byteBpe, ids);
        }
    }

    private static void assertStreamsLikeWholeDecode(TextTokenizer tokenizer, long[] ids) {
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer);
        StringBuilder streamed = new StringBuilder();
        for (long id : ids) {
            String piece = decoder.add(id);
            assertTrue(piece.isEmpty() || !Character.isHighSurrogate(piece.charAt(piece.length() - 1)), "split surrogate pair");
            streamed.append(piece);
        }
        streamed.append(decoder.flush());
        assertEquals(tokenizer.decode(ids), streamed.toString());
    }

    @Test
    void aCharacterSplitAcrossTokensIsReleasedWhole() {
        IncrementalDecoder decoder = new IncrementalDecoder(byteBpe);
        long[] ids = byteBpe.encode("中", false);
        assertEquals("", decoder.add(ids[0]));
        assertEquals("", decoder.add(ids[1]));
        assertEquals("中", decoder.add(ids[2]));
    }

    @Test
    void missingTokenizerIsATypedError(@TempDir Path dir) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> TextTokenizer.load(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
