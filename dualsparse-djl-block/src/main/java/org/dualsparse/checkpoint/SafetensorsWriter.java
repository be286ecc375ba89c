package org.dualsparse.checkpoint;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.dualsparse.files.AtomicFile;

/**
 * Writes safetensors files and HuggingFace checkpoint directories: from float32 data, rounded to
 * BF16 or F16 where asked, or from tensors already encoded in their own dtype and produced only
 * when their turn comes. Each file is written under a temporary name and then atomically moved
 * into place, so a failed write never leaves a partial file behind.
 */
public final class SafetensorsWriter {

    /**
     * A tensor to write.
     *
     * @param data the {@code shape}'s element count of values in row-major order; not copied
     */
    public record Tensor(String name, long[] shape, float[] data) {

        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
            shape = shape.clone();
            long numel = numel(name, shape);
            if (numel != data.length) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " has " + numel
                        + " elements but data has " + data.length);
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * A tensor stored in its own dtype whose bytes are produced only when the writer reaches it,
     * so that a checkpoint can be rewritten holding one tensor in memory at a time.
     *
     * @param bytes supplies the {@code shape}'s element count of little-endian {@code dtype} values
     */
    public record EncodedTensor(String name, DType dtype, long[] shape, Supplier<ByteBuffer> bytes) {

        public EncodedTensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(bytes, "bytes");
            shape = shape.clone();
            numel(name, shape);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** One file of a sharded checkpoint: its name in the checkpoint directory and its tensors, in order. */
    public record Shard(String fileName, List<EncodedTensor> tensors) {

        public Shard {
            if (!ShardIndex.isPlainFileName(fileName)) {
                throw new IllegalArgumentException("shard '" + fileName + "' is not a file name inside the checkpoint directory");
            }
            tensors = List.copyOf(tensors);
        }
    }

    /** transformers checks this metadata key when it loads a safetensors file. */
    private static final Map<String, String> HF_METADATA = Map.of("format", "pt");
    private static final int HEADER_ALIGNMENT = 8;
    private static final int BUFFER_BYTES = 1 << 20;

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors}, in order, to {@code file} as {@code dtype}, replacing any existing file.
     *
     * @throws IllegalArgumentException if two tensors share a name or a name is {@code __metadata__}
     * @throws CheckpointException if the file cannot be written
     */
    public static void write(Path file, List<Tensor> tensors, DType dtype, Map<String, String> metadata) {
        writeFile(file, entries(tensors, dtype), metadata);
    }

    /**
     * Writes {@code tensors}, in order, to {@code file} with the metadata transformers expects,
     * replacing any existing file. Each tensor's bytes are asked for when its data is written.
     *
     * @throws IllegalArgumentException if two tensors share a name or a name is {@code __metadata__}
     * @throws IllegalStateException if a tensor's bytes do not match its dtype and shape
     * @throws CheckpointException if the file cannot be written
     */
    public static void writeEncoded(Path file, List<EncodedTensor> tensors) {
        writeFile(file, encodedEntries(tensors), HF_METADATA);
    }

    /** Writes {@code tensors} as the checkpoint {@code directory/model.safetensors}, creating the directory if needed. */
    public static void writeSingle(Path directory, List<Tensor> tensors, DType dtype) {
        createDirectories(directory);
        write(directory.resolve(Checkpoint.SINGLE_FILE), tensors, dtype, HF_METADATA);
        Path staleIndex = directory.resolve(ShardIndex.FILE_NAME);
        try {
            // Checkpoint.open prefers an index, which would hide the file just written.
            Files.deleteIfExists(staleIndex);
        } catch (IOException e) {
            throw new CheckpointException(staleIndex, "cannot delete the stale index: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code tensors} into {@code directory} as shards {@code model-00001-of-0000N.safetensors}
     * of at most {@code maxShardBytes} each (a larger tensor gets a shard of its own), then the
     * index {@code model.safetensors.index.json}. Tensors keep their order across shards.
     */
    public static void writeSharded(Path directory, List<Tensor> tensors, DType dtype, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        }
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("a sharded checkpoint needs at least one tensor");
        }
        List<List<Entry>> shards = splitIntoShards(entries(tensors, dtype), maxShardBytes);
        Map<String, List<Entry>> files = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            files.put(String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size()), shards.get(i));
        }
        writeIndexed(directory, files);
    }

    /**
     * Writes {@code shards} into {@code directory}, each as the file it names, then the index
     * {@code model.safetensors.index.json}, creating the directory if needed.
     *
     * @throws IllegalArgumentException if there are no shards, two share a file name, or two
     *     tensors share a name
     * @throws IllegalStateException if a tensor's bytes do not match its dtype and shape
     */
    public static void writeShards(Path directory, List<Shard> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a sharded checkpoint needs at least one shard");
        }
        Map<String, List<Entry>> files = new LinkedHashMap<>();
        for (Shard shard : shards) {
            if (files.put(shard.fileName(), encodedEntries(shard.tensors())) != null) {
                throw new IllegalArgumentException("two shards are named " + shard.fileName());
            }
        }
        writeIndexed(directory, files);
    }

    private static void writeIndexed(Path directory, Map<String, List<Entry>> files) {
        checkNames(files.values().stream().flatMap(List::stream).toList());
        createDirectories(directory);
        SortedMap<String, String> weightMap = new TreeMap<>();
        long totalBytes = 0;
        for (Map.Entry<String, List<Entry>> file : files.entrySet()) {
            writeFile(directory.resolve(file.getKey()), file.getValue(), HF_METADATA);
            for (Entry entry : file.getValue()) {
                weightMap.put(entry.name(), file.getKey());
                totalBytes += entry.byteLength();
            }
        }
        byte[] index = indexJson(totalBytes, weightMap);
        writeAtomically(directory.resolve(ShardIndex.FILE_NAME), channel -> writeFully(channel, ByteBuffer.wrap(index)));
    }

    private static void writeFile(Path file, List<Entry> entries, Map<String, String> metadata) {
        checkNames(entries);
        byte[] header = header(entries, metadata);
        writeAtomically(file, channel -> {
            writeFully(channel, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            writeFully(channel, ByteBuffer.wrap(header));
            DataWriter data = new DataWriter(channel);
            for (Entry entry : entries) {
                entry.data().writeTo(data);
            }
        });
    }

    /** {@code value} rounded to the nearest BF16, ties to even; NaN stays NaN. */
    public static float roundToBf16(float value) {
        return DType.BF16.round(value);
    }

    /** {@code value} rounded to the nearest F16, ties to even, to infinity beyond 65504 and to subnormals below 2^-14. */
    public static float roundToF16(float value) {
        return DType.F16.round(value);
    }

    /** A tensor as the writer handles it: its header entry and the code that streams its data. */
    private record Entry(String name, DType dtype, long[] shape, Data data) {

        long byteLength() {
            return numel(name, shape) * dtype.byteSize();
        }
    }

    @FunctionalInterface
    private interface Data {
        void writeTo(DataWriter out) throws IOException;
    }

    private static List<Entry> entries(List<Tensor> tensors, DType dtype) {
        return tensors.stream()
                .map(tensor -> new Entry(tensor.name(), dtype, tensor.shape, out -> out.writeFloats(tensor.data(), dtype)))
                .toList();
    }

    private static List<Entry> encodedEntries(List<EncodedTensor> tensors) {
        return tensors.stream()
                .map(tensor -> new Entry(tensor.name(), tensor.dtype(), tensor.shape, out -> out.writeBytes(checkedBytes(tensor))))
                .toList();
    }

    private static ByteBuffer checkedBytes(EncodedTensor tensor) {
        ByteBuffer bytes = tensor.bytes().get();
        long expected = numel(tensor.name(), tensor.shape) * tensor.dtype().byteSize();
        if (bytes.remaining() != expected) {
            throw new IllegalStateException(tensor.name() + ": " + bytes.remaining() + " bytes supplied for "
                    + tensor.dtype() + Arrays.toString(tensor.shape) + ", which takes " + expected);
        }
        return bytes;
    }

    /** The element count of {@code shape}, after checking that no dimension is negative. */
    private static long numel(String name, long[] shape) {
        long numel = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            numel = Math.multiplyExact(numel, dim);
        }
        return numel;
    }

    private static void checkNames(List<Entry> entries) {
        Set<String> names = new HashSet<>();
        for (Entry entry : entries) {
            if (entry.name().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(SafetensorsHeader.METADATA_KEY + " is reserved, not a tensor name");
            }
            if (!names.add(entry.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + entry.name());
            }
        }
    }

    private static List<List<Entry>> splitIntoShards(List<Entry> entries, long maxShardBytes) {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> shard = new ArrayList<>();
        long shardBytes = 0;
        for (Entry entry : entries) {
            long bytes = entry.byteLength();
            if (!shard.isEmpty() && shardBytes + bytes > maxShardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                shardBytes = 0;
            }
            shard.add(entry);
            shardBytes += bytes;
        }
        shards.add(shard);
        return shards;
    }

    /** The header JSON, padded with spaces so that the data area starts 8-byte aligned, as the reference writer does. */
    private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        StringWriter json = new StringWriter();
        try (JsonWriter writer = new JsonWriter(json)) {
            writer.beginObject();
            if (!metadata.isEmpty()) {
                writer.name(SafetensorsHeader.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    writer.name(entry.getKey()).value(entry.getValue());
                }
                writer.endObject();
            }
            long offset = 0;
            for (Entry entry : entries) {
                writer.name(entry.name()).beginObject();
                writer.name("dtype").value(entry.dtype().safetensorsName());
                writer.name("shape").beginArray();
                for (long dim : entry.shape()) {
                    writer.value(dim);
                }
                writer.endArray();
                long end = offset + entry.byteLength();
                writer.name("data_offsets").beginArray().value(offset).value(end).endArray();
                writer.endObject();
                offset = end;
            }
            writer.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int paddedLength = (utf8.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
        byte[] padded = Arrays.copyOf(utf8, paddedLength);
        Arrays.fill(padded, utf8.length, paddedLength, (byte) ' ');
        return padded;
    }

    /** The index in the layout transformers writes: {@code metadata.total_size} and a sorted {@code weight_map}. */
    private static byte[] indexJson(long totalBytes, SortedMap<String, String> weightMap) {
        StringWriter json = new StringWriter();
        try (JsonWriter writer = new JsonWriter(json)) {
            writer.setIndent("  ");
            writer.beginObject();
            writer.name("metadata").beginObject().name("total_size").value(totalBytes).endObject();
            writer.name("weight_map").beginObject();
            for (Map.Entry<String, String> entry : weightMap.entrySet()) {
                writer.name(entry.getKey()).value(entry.getValue());
            }
            writer.endObject();
            writer.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void writeAtomically(Path file, AtomicFile.Content content) {
        try {
            AtomicFile.write(file, content);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot write: " + e, e);
        }
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new CheckpointException(directory, "cannot create the directory: " + e.getMessage(), e);
        }
    }

    /**
     * Writes at most {@code BUFFER_BYTES} per call: the JDK copies a heap buffer through a
     * temporary direct buffer the size of the write, and keeps that buffer cached per thread.
     */
    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        int end = bytes.limit();
        while (bytes.position() < end) {
            bytes.limit(Math.min(end, bytes.position() + BUFFER_BYTES));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            bytes.limit(end);
        }
    }

    /** Streams tensor data into a channel, encoding float data through a single reusable buffer. */
    private static final class DataWriter {

        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final short[] halves = new short[BUFFER_BYTES / Short.BYTES];

        DataWriter(FileChannel channel) {
            this.channel = channel;
        }

        void writeBytes(ByteBuffer bytes) throws IOException {
            writeFully(channel, bytes);
        }

        void writeFloats(float[] data, DType dtype) throws IOException {
            int perBuffer = BUFFER_BYTES / dtype.byteSize();
            for (int from = 0; from < data.length; from += perBuffer) {
                int count = Math.min(perBuffer, data.length - from);
                buffer.clear();
                if (dtype == DType.F32) {
                    buffer.asFloatBuffer().put(data, from, count);
                } else {
                    HalfPrecision.narrow(data, from, halves, count, dtype);
                    buffer.asShortBuffer().put(halves, 0, count);
                }
                buffer.limit(count * dtype.byteSize());
                writeFully(channel, buffer);
            }
        }
    }
}
