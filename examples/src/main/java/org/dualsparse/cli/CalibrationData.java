package org.dualsparse.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.tokenizer.TextTokenizer;
import org.dualsparse.tokenizer.TokenizerException;

/**
 * Calibration token sequences read from a file: text through the model folder's tokenizer
 * (untruncated, with the special tokens its post-processor adds), or token ids. Reading stops
 * once enough tokens are in hand.
 */
final class CalibrationData {

    private CalibrationData() {}

    /**
     * The documents of a text file, tokenised: a {@code .txt} file's paragraphs (separated by
     * blank lines) or the {@code text} field of each line of a {@code .jsonl} file.
     */
    static List<long[]> text(Path file, Path modelDir, long maxTokens) {
        List<String> documents = documents(file);
        List<long[]> sequences = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            long tokens = 0;
            for (String document : documents) {
                if (tokens >= maxTokens) {
                    break;
                }
                long[] ids = tokenizer.encode(document, true);
                sequences.add(ids);
                tokens += ids.length;
            }
        } catch (TokenizerException e) {
            throw new TokenizerException(e.getMessage() + "; without a tokenizer, calibrate from token ids with --ids FILE", e);
        }
        return Chunks.first(sequences, maxTokens);
    }

    /** Token ids, one sequence per non-blank line, separated by commas and/or whitespace. */
    static List<long[]> ids(Path file, long maxTokens) {
        List<String> lines = lines(file);
        List<long[]> sequences = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("[,\\s]+");
            long[] ids = new long[fields.length];
            for (int j = 0; j < fields.length; j++) {
                ids[j] = tokenId(file, i + 1, fields[j]);
            }
            sequences.add(ids);
        }
        return Chunks.first(sequences, maxTokens);
    }

    private static long tokenId(Path file, int line, String field) {
        try {
            long id = Long.parseLong(field);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new DataFileException(file, line, "\"" + field + "\" is not a token id");
    }

    private static List<String> documents(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".jsonl")) {
            return jsonlTexts(file);
        }
        if (name.endsWith(".txt")) {
            return TextDocuments.read(file);
        }
        throw new DataFileException(file, "unknown data format: use a .txt or .jsonl file, or token ids with --ids");
    }

    private static List<String> jsonlTexts(Path file) {
        List<String> lines = lines(file);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonElement record;
            try {
                record = JsonParser.parseString(lines.get(i));
            } catch (JsonParseException e) {
                throw new DataFileException(file, i + 1, "not a JSON object: " + e.getMessage());
            }
            JsonElement text = record.isJsonObject() ? record.getAsJsonObject().get("text") : null;
            if (text == null || !text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
                throw new DataFileException(file, i + 1, "no string \"text\" field in " + abbreviated(lines.get(i)));
            }
            texts.add(text.getAsString());
        }
        return texts;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e);
        }
    }

    private static String abbreviated(String line) {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }
}
