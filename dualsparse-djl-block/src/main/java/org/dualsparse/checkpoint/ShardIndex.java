package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.CheckpointException.tensor;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: which shard file holds each tensor.
 * Only {@code weight_map} matters for loading; {@code metadata} is not checked.
 *
 * @param weightMap shard file name by tensor name, in index order
 */
record ShardIndex(Path file, Map<String, String> weightMap) {

    static final String FILE_NAME = "model.safetensors.index.json";

    private static final String WEIGHT_MAP = "weight_map";

    ShardIndex {
        weightMap = Collections.unmodifiableMap(weightMap);
    }

    /** Reads and validates the index {@code file}. */
    static ShardIndex read(Path file) {
        Map<String, String> weightMap = new LinkedHashMap<>();
        try {
            StrictJson.parseObject(Files.readString(file, StandardCharsets.UTF_8), (name, reader) -> {
                if (name.equals(WEIGHT_MAP)) {
                    StrictJson.readObject(reader, (tensorName, entry) -> weightMap.put(tensorName, shardName(file, tensorName, entry)));
                } else {
                    reader.skipValue();
                }
            });
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "missing file", e);
        } catch (MalformedJsonException | MalformedInputException e) {
            throw new CorruptCheckpointException(file, "index is not a valid JSON object: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
        if (weightMap.isEmpty()) {
            throw new CorruptCheckpointException(file, "index has no " + WEIGHT_MAP + " entries");
        }
        return new ShardIndex(file, weightMap);
    }

    /** The shard files, each once, in the order the index first names them. */
    Set<String> shardNames() {
        return new LinkedHashSet<>(weightMap.values());
    }

    private static String shardName(Path file, String tensorName, JsonReader reader) throws IOException {
        if (reader.peek() != JsonToken.STRING) {
            throw new CorruptCheckpointException(file, WEIGHT_MAP + " entry of " + tensor(tensorName)
                    + " is not a file name: " + StrictJson.readElement(reader));
        }
        String shard = reader.nextString();
        if (!isPlainFileName(shard)) {
            throw new CorruptCheckpointException(file, WEIGHT_MAP + " entry of " + tensor(tensorName)
                    + " is '" + shard + "', not a file name in the checkpoint directory");
        }
        return shard;
    }

    /** A shard must be a file next to the index: "../x" or "/x" would read outside the checkpoint. */
    static boolean isPlainFileName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return false;
        }
        try {
            Path path = Path.of(name);
            return !path.isAbsolute() && path.getNameCount() == 1 && path.toString().equals(name);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
