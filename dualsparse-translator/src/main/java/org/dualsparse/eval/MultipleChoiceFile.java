package org.dualsparse.eval;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads multiple-choice items from a JSONL file, one {@code {"context": str, "choices": [str, …],
 * "gold": int}} object per line (blank lines are skipped, other keys ignored). Anything else is an
 * {@link EvalDataException} naming the file, the line and the key.
 */
public final class MultipleChoiceFile {

    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private MultipleChoiceFile() {}

    public static List<MultipleChoiceItem> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new EvalDataException(file, "is not UTF-8 text");
        } catch (IOException e) {
            throw new EvalDataException(file, "cannot read: " + e);
        }
        List<MultipleChoiceItem> items = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                items.add(item(file, i + 1, lines.get(i)));
            }
        }
        if (items.isEmpty()) {
            throw new EvalDataException(file, "no items: expected one {\"context\", \"choices\", \"gold\"} object per line");
        }
        return items;
    }

    private static MultipleChoiceItem item(Path file, int line, String text) {
        JsonObject object = parse(file, line, text);
        String context = string(file, line, "context", require(file, line, object, "context"));
        JsonElement choicesJson = require(file, line, object, "choices");
        if (!choicesJson.isJsonArray()) {
            throw new EvalDataException(file, line, "\"choices\" must be an array of strings, got " + choicesJson);
        }
        JsonArray array = choicesJson.getAsJsonArray();
        if (array.size() < 2) {
            throw new EvalDataException(file, line, "\"choices\" has " + array.size()
                    + (array.size() == 1 ? " entry" : " entries") + "; an item needs at least 2");
        }
        List<String> choices = new ArrayList<>();
        for (int c = 0; c < array.size(); c++) {
            String choice = string(file, line, "choices[" + c + "]", array.get(c));
            if (choice.isEmpty()) {
                throw new EvalDataException(file, line, "\"choices[" + c + "]\" is empty: there is nothing to score");
            }
            choices.add(choice);
        }
        JsonElement goldJson = require(file, line, object, "gold");
        int gold = integer(file, line, "gold", goldJson);
        if (gold < 0 || gold >= choices.size()) {
            throw new EvalDataException(file, line, "\"gold\" = " + gold + " is out of range for " + choices.size()
                    + " choices (0 to " + (choices.size() - 1) + ")");
        }
        return new MultipleChoiceItem(line, context, choices, gold);
    }

    /** One strict RFC 8259 JSON object, nothing after it. */
    private static JsonObject parse(Path file, int line, String text) {
        JsonElement element;
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            element = ELEMENTS.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IOException("more content after the object");
            }
        } catch (IOException | RuntimeException e) {
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new EvalDataException(file, line, "not valid JSON: " + reason);
        }
        if (!element.isJsonObject()) {
            throw new EvalDataException(file, line, "expected a JSON object, got " + abbreviated(text));
        }
        return element.getAsJsonObject();
    }

    private static JsonElement require(Path file, int line, JsonObject object, String key) {
        JsonElement value = object.get(key);
        if (value == null || value.isJsonNull()) {
            throw new EvalDataException(file, line, "missing key \"" + key + "\"");
        }
        return value;
    }

    private static String string(Path file, int line, String key, JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new EvalDataException(file, line, "\"" + key + "\" must be a string, got " + abbreviated(value.toString()));
        }
        return value.getAsString();
    }

    private static int integer(Path file, int line, String key, JsonElement value) {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            JsonPrimitive number = value.getAsJsonPrimitive();
            try {
                return number.getAsBigDecimal().intValueExact();
            } catch (ArithmeticException e) {
                // reported below
            }
        }
        throw new EvalDataException(file, line, "\"" + key + "\" must be an integer, got " + abbreviated(value.toString()));
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
