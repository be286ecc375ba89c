package org.dualsparse.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A HuggingFace {@code config.json} with typed accessors. Every failed lookup throws a {@link
 * ConfigException} naming the file, the key and the offending value.
 */
public final class HfConfig {

    private final JsonObject json;
    private final String source;

    public HfConfig(JsonObject json, String source) {
        this.json = json;
        this.source = source;
    }

    /** Reads and parses a JSON config file. */
    public static HfConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("missing config file: " + file);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new ConfigException(file + " is not a JSON object");
            }
            return new HfConfig(root.getAsJsonObject(), file.toString());
        } catch (JsonParseException e) {
            throw new ConfigException(file + " is not well-formed JSON: " + e.getMessage(), e);
        }
    }

    public JsonObject json() {
        return json;
    }

    public String source() {
        return source;
    }

    /** True when the key is present with a non-null value. */
    public boolean has(String key) {
        return json.has(key) && !json.get(key).isJsonNull();
    }

    public int requireInt(String key) {
        return toInt(key, require(key));
    }

    public int intOr(String key, int fallback) {
        return has(key) ? toInt(key, json.get(key)) : fallback;
    }

    public double requireDouble(String key) {
        return toDouble(key, require(key));
    }

    public double doubleOr(String key, double fallback) {
        return has(key) ? toDouble(key, json.get(key)) : fallback;
    }

    public boolean boolOr(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement value = json.get(key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            throw invalid(key, value, "a boolean");
        }
        return value.getAsBoolean();
    }

    public String stringOr(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement value = json.get(key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw invalid(key, value, "a string");
        }
        return value.getAsString();
    }

    /** A list of ints; a single int is read as a one-element list (HF allows both for token ids). */
    public List<Integer> intListOr(String key, List<Integer> fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement value = json.get(key);
        List<Integer> out = new ArrayList<>();
        if (value.isJsonArray()) {
            for (JsonElement e : value.getAsJsonArray()) {
                out.add(toInt(key, e));
            }
        } else {
            out.add(toInt(key, value));
        }
        return out;
    }

    public List<String> stringListOr(String key, List<String> fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonElement value = json.get(key);
        if (!value.isJsonArray()) {
            throw invalid(key, value, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement e : (JsonArray) value) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw invalid(key, value, "a list of strings");
            }
            out.add(e.getAsString());
        }
        return out;
    }

    /** A positive int, for sizes: {@code hidden_size: 0} is rejected here rather than deep in a block. */
    public int requirePositiveInt(String key) {
        int v = requireInt(key);
        if (v <= 0) {
            throw new ConfigException(source + ": " + key + " must be positive, got " + v);
        }
        return v;
    }

    /** The object under {@code key} as a config of its own, named {@code SOURCE key} in errors. */
    public HfConfig object(String key) {
        JsonElement value = require(key);
        if (!value.isJsonObject()) {
            throw invalid(key, "an object");
        }
        return new HfConfig(value.getAsJsonObject(), source + " " + key);
    }

    /** Refuses a key whose value is set to something this library does not implement. */
    public ConfigException unsupported(String key, String why) {
        return new ConfigException(
                source + ": " + key + " = " + json.get(key) + " is not supported: " + why);
    }

    public ConfigException invalid(String key, String expected) {
        return invalid(key, json.get(key), expected);
    }

    private JsonElement require(String key) {
        if (!has(key)) {
            throw new ConfigException(source + ": missing required key \"" + key + "\"");
        }
        return json.get(key);
    }

    private int toInt(String key, JsonElement value) {
        double d = toDouble(key, value);
        if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
            throw invalid(key, value, "an integer");
        }
        return (int) d;
    }

    private double toDouble(String key, JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw invalid(key, value, "a number");
        }
        return value.getAsDouble();
    }

    private ConfigException invalid(String key, JsonElement value, String expected) {
        return new ConfigException(source + ": " + key + " = " + value + " is not " + expected);
    }
}
