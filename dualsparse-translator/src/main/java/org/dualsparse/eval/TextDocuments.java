package org.dualsparse.eval;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.tokenizer.TextTokenizer;

/** The documents of a UTF-8 text file, separated by blank lines, and their tokens. */
public final class TextDocuments {

    private TextDocuments() {}

    /** The non-blank documents of {@code file}, each stripped of surrounding whitespace. */
    public static List<String> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new EvalDataException(file, "is not UTF-8 text");
        } catch (IOException e) {
            throw new EvalDataException(file, "cannot read: " + e);
        }
        return split(text);
    }

    /** The non-blank documents of {@code text}, separated by blank lines, each stripped of surrounding whitespace. */
    public static List<String> split(String text) {
        return Arrays.stream(text.replace("\r\n", "\n").split("\\n\\s*\\n"))
                .map(String::strip)
                .filter(d -> !d.isEmpty())
                .toList();
    }

    /** Each document's ids with the special tokens the tokenizer's post-processor adds (a BOS for Llama-style tokenizers). */
    public static List<long[]> tokenize(List<String> documents, TextTokenizer tokenizer) {
        return documents.stream().map(d -> tokenizer.encode(d, true)).toList();
    }
}
