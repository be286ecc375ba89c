package org.dualsparse.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The ids of the held-out lines in the block module's transformers fixture of the shipped model
 * ({@code golden/kjv-moe/meta.json}, written by {@code tools/golden/make_golden.py} with HF
 * {@code tokenizers}) are what our tokenizer gives for the same text, so the logits comparison
 * there, which takes its ids from the fixture, is the comparison on our own tokenization too.
 */
class ShippedTokenizerTransformersParityTest {

    @Test
    void heldOutLinesTokenizeAsInTheTransformersFixture() throws IOException {
        Path root = repositoryRoot();
        JsonObject meta = JsonParser.parseString(Files.readString(
                root.resolve("dualsparse-djl-block/src/test/resources/golden/kjv-moe/meta.json"))).getAsJsonObject();
        TextTokenizer tokenizer = TextTokenizer.load(root.resolve("models/kjv-moe"));
        int lines = 0;
        for (JsonElement element : meta.getAsJsonArray("lines")) {
            JsonObject line = element.getAsJsonObject();
            long[] expected = line.getAsJsonArray("ids").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
            long[] ours = tokenizer.encode(line.get("text").getAsString(), true);
            // The fixture keeps the first 16 tokens of each line.
            assertArrayEquals(expected, Arrays.copyOf(ours, expected.length), line.get("text").getAsString());
            lines++;
        }
        assertTrue(lines > 0, "the fixture holds no lines");
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("models/kjv-moe/tokenizer.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("models/kjv-moe not found above " + Path.of("").toAbsolutePath());
    }
}
