package org.dualsparse.checkpoint;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads the JSON of safetensors headers and shard indexes member by member. Unlike Gson's
 * defaults it accepts only RFC 8259 JSON, rejects duplicate names (which a tree would silently
 * merge) and rejects content after the top-level object.
 */
final class StrictJson {

    /** Receives one {@code name: value} member; must consume the value from {@code reader}. */
    @FunctionalInterface
    interface MemberReader {
        void read(String name, JsonReader reader) throws IOException;
    }

    private static final String LENIENCY_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";
    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private StrictJson() {
    }

    /** Feeds each member of the top-level object in {@code json} to {@code members}. */
    static void parseObject(String json, MemberReader members) throws MalformedJsonException {
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        try {
            readObject(reader, members);
            // A strict reader fails this peek unless only whitespace follows the object.
            reader.peek();
        } catch (IOException | IllegalStateException e) {
            throw new MalformedJsonException(describe(e), e);
        }
    }

    /** Gson's message without its troubleshooting link and without its advice to parse leniently. */
    private static String describe(Exception e) {
        String firstLine = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return firstLine.replace(LENIENCY_ADVICE, "malformed JSON");
    }

    /** Feeds each member of the object at the reader's position to {@code members}. */
    static void readObject(JsonReader reader, MemberReader members) throws IOException {
        if (reader.peek() != JsonToken.BEGIN_OBJECT) {
            throw new MalformedJsonException("expected an object but found " + reader.peek() + " at " + reader.getPath());
        }
        reader.beginObject();
        Set<String> names = new HashSet<>();
        while (reader.hasNext()) {
            String name = reader.nextName();
            if (!names.add(name)) {
                throw new MalformedJsonException("duplicate name '" + name + "' at " + reader.getPath());
            }
            members.read(name, reader);
        }
        reader.endObject();
    }

    /** The value at the reader's position as a tree. */
    static JsonElement readElement(JsonReader reader) throws IOException {
        return ELEMENTS.read(reader);
    }
}
