package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.CheckpointException.tensor;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Turns the JSON of a safetensors header into validated {@link TensorInfo}s: every field present
 * and well-typed, every tensor's bytes inside the data area, matching its shape and dtype, and
 * disjoint from every other tensor's.
 */
final class HeaderParser {

    private final Path file;
    private final long dataStart;
    private final long dataSize;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private HeaderParser(Path file, long dataStart, long dataSize) {
        this.file = file;
        this.dataStart = dataStart;
        this.dataSize = dataSize;
    }

    /**
     * Parses the header {@code json} of {@code file}, whose data area starts at byte
     * {@code dataStart} and is {@code dataSize} bytes long.
     */
    static SafetensorsHeader parse(Path file, String json, long dataStart, long dataSize) {
        HeaderParser parser = new HeaderParser(file, dataStart, dataSize);
        try {
            StrictJson.parseObject(json, parser::readMember);
        } catch (MalformedJsonException e) {
            throw new CorruptCheckpointException(file, "header is not a valid JSON object: " + e.getMessage(), e);
        }
        parser.checkDisjoint();
        return new SafetensorsHeader(parser.tensors, parser.metadata);
    }

    private void readMember(String name, JsonReader reader) throws IOException {
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            StrictJson.readObject(reader, this::readMetadataEntry);
        } else {
            tensors.put(name, tensorInfo(name, StrictJson.readElement(reader)));
        }
    }

    private void readMetadataEntry(String key, JsonReader reader) throws IOException {
        if (reader.peek() != JsonToken.STRING) {
            throw new CorruptCheckpointException(file,
                    SafetensorsHeader.METADATA_KEY + " value of '" + key + "' is not a string: " + StrictJson.readElement(reader));
        }
        metadata.put(key, reader.nextString());
    }

    private TensorInfo tensorInfo(String name, JsonElement entry) {
        if (!entry.isJsonObject()) {
            throw corrupt(name, "header entry is not an object: " + entry);
        }
        JsonObject fields = entry.getAsJsonObject();
        DType dtype = DType.parse(stringField(name, fields, "dtype"), name, file);
        long[] shape = naturalsField(name, fields, "shape");
        long[] offsets = naturalsField(name, fields, "data_offsets");
        if (offsets.length != 2) {
            throw corrupt(name, "data_offsets " + Arrays.toString(offsets) + " is not a [begin, end] pair");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw corrupt(name, "data_offsets " + Arrays.toString(offsets) + " end before they begin");
        }
        if (end > dataSize) {
            throw corrupt(name, "data_offsets " + Arrays.toString(offsets) + " reach past the " + dataSize
                    + "-byte data area (truncated file?)");
        }
        long expectedBytes = byteLength(name, dtype, shape);
        if (end - begin != expectedBytes) {
            throw corrupt(name, "data_offsets " + Arrays.toString(offsets) + " span " + (end - begin)
                    + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expectedBytes);
        }
        return new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
    }

    private String stringField(String tensorName, JsonObject fields, String field) {
        JsonElement value = requiredField(tensorName, fields, field);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw corrupt(tensorName, "field '" + field + "' is not a string: " + value);
        }
        return value.getAsString();
    }

    private long[] naturalsField(String tensorName, JsonObject fields, String field) {
        JsonElement value = requiredField(tensorName, fields, field);
        if (!value.isJsonArray()) {
            throw corrupt(tensorName, "field '" + field + "' is not an array: " + value);
        }
        long[] naturals = new long[value.getAsJsonArray().size()];
        for (int i = 0; i < naturals.length; i++) {
            OptionalLong natural = natural(value.getAsJsonArray().get(i));
            if (natural.isEmpty()) {
                throw corrupt(tensorName, "field '" + field + "' is " + value + "; expected non-negative integers");
            }
            naturals[i] = natural.getAsLong();
        }
        return naturals;
    }

    private JsonElement requiredField(String tensorName, JsonObject fields, String field) {
        JsonElement value = fields.get(field);
        if (value == null) {
            throw corrupt(tensorName, "header entry has no field '" + field + "'");
        }
        return value;
    }

    /** The value if it is a JSON number with an integral value in [0, Long.MAX_VALUE]. */
    private static OptionalLong natural(JsonElement element) {
        if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isNumber()) {
            return OptionalLong.empty();
        }
        try {
            long value = new BigDecimal(element.getAsString()).longValueExact();
            return value >= 0 ? OptionalLong.of(value) : OptionalLong.empty();
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    private long byteLength(String tensorName, DType dtype, long[] shape) {
        try {
            long bytes = dtype.byteSize();
            for (long dim : shape) {
                bytes = Math.multiplyExact(bytes, dim);
            }
            return bytes;
        } catch (ArithmeticException e) {
            throw corrupt(tensorName, "shape " + Arrays.toString(shape) + " has more than 2^63 bytes");
        }
    }

    private void checkDisjoint() {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::dataOffset).thenComparingLong(TensorInfo::byteLength));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo previous = byOffset.get(i - 1);
            TensorInfo current = byOffset.get(i);
            if (current.dataOffset() < previous.dataOffset() + previous.byteLength()) {
                throw new CorruptCheckpointException(file, tensor(previous.name()) + " at data_offsets "
                        + relativeOffsets(previous) + " overlaps " + tensor(current.name()) + " at " + relativeOffsets(current));
            }
        }
    }

    private String relativeOffsets(TensorInfo info) {
        long begin = info.dataOffset() - dataStart;
        return "[" + begin + ", " + (begin + info.byteLength()) + "]";
    }

    private CorruptCheckpointException corrupt(String tensorName, String problem) {
        return new CorruptCheckpointException(file, tensor(tensorName) + ": " + problem);
    }
}
