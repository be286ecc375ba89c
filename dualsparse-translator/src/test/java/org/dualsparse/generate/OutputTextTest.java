package org.dualsparse.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dualsparse.testing.TestTokenizers;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;

class OutputTextTest extends TestTokenizers {

    @Test
    void multiByteCharactersSplitAcrossTokensArriveWhole() {
        for (TextTokenizer tokenizer : List.of(byteBpe, sentencePiece)) {
            String text = "Grüße, 中文 and 🙂!";
            List<String> pieces = new ArrayList<>();
            OutputText output = feed(tokenizer, text, List.of(), pieces);
            assertEquals(text, output.text());
            assertEquals(text, String.join("", pieces));
            assertTrue(pieces.contains("中") || pieces.contains(" 中"), pieces.toString());
            pieces.forEach(piece -> assertFalse(piece.contains("\uFFFD"), piece));
        }
    }

    @Test
    void stopStringsAreCutAndNeverStreamed() {
        for (TextTokenizer tokenizer : List.of(byteBpe, sentencePiece)) {
            List<String> pieces = new ArrayList<>();
            OutputText output = feed(tokenizer, "Hello world, 中文 and the rest", List.of("文 and", "rest"), pieces);
            assertEquals("Hello world, 中", output.text());
            assertEquals("Hello world, 中", String.join("", pieces));
        }
    }

    @Test
    void aPartialStopStringIsHeldBackThenReleased() {
        List<String> pieces = new ArrayList<>();
        OutputText output = feed(byteBpe, "Hello world", List.of("world!"), pieces);
        assertEquals("Hello world", output.text());
        assertEquals("Hello world", String.join("", pieces));
        assertEquals("Hello", pieces.get(0), "' world' waits: it may begin 'world!'");
    }

    /** Feeds the tokens of {@code text} and finishes, stopping early when a stop string appears. */
    private static OutputText feed(TextTokenizer tokenizer, String text, List<String> stops, List<String> pieces) {
        GenerationOptions options = GenerationOptions.greedy(100).toBuilder().stopStrings(stops).build();
        OutputText output = new OutputText(tokenizer, options, pieces::add);
        for (long id : tokenizer.encode(text, false)) {
            if (output.add(id)) {
                return output;
            }
        }
        output.finish();
        return output;
    }
}
