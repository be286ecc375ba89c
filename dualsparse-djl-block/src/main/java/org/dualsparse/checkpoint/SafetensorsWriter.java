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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes safetensors files and HuggingFace checkpoint directories from float32 data, rounding to
 * BF16 or F16 where asked. Each file is written under a temporary name and then atomically moved
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
            long numel = 1;
            for (long dim : shape) {
                if (dim < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
                }
                numel = Math.multiplyExact(numel, dim);
            }
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
        checkNames(tensors);
        byte[] header = header(tensors, dtype, metadata);
        writeAtomically(file, channel -> {
            writeFully(channel, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            writeFully(channel, ByteBuffer.wrap(header));
            TensorDataWriter data = new TensorDataWriter(channel, dtype);
            for (Tensor tensor : tensors) {
                data.write(tensor.data());
            }
        });
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
        checkNames(tensors);
        createDirectories(directory);
        List<List<Tensor>> shards = splitIntoShards(tensors, dtype, maxShardBytes);
        SortedMap<String, String> weightMap = new TreeMap<>();
        long totalBytes = 0;
        for (int i = 0; i < shards.size(); i++) {
            String shardName = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(directory.resolve(shardName), shards.get(i), dtype, HF_METADATA);
            for (Tensor tensor : shards.get(i)) {
                weightMap.put(tensor.name(), shardName);
                totalBytes += byteLength(tensor, dtype);
            }
        }
        byte[] index = indexJson(totalBytes, weightMap);
        writeAtomically(directory.resolve(ShardIndex.FILE_NAME), channel -> writeFully(channel, ByteBuffer.wrap(index)));
    }

    /** {@code value} rounded to the nearest BF16, ties to even; NaN stays NaN. */
    public static float roundToBf16(float value) {
        return HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(value));
    }

    /** {@code value} rounded to the nearest F16, ties to even, to infinity beyond 65504 and to subnormals below 2^-14. */
    public static float roundToF16(float value) {
        return HalfPrecision.f16ToFloat(HalfPrecision.floatToF16(value));
    }

    private static void checkNames(List<Tensor> tensors) {
        Set<String> names = new HashSet<>();
        for (Tensor tensor : tensors) {
            if (tensor.name().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException(SafetensorsHeader.METADATA_KEY + " is reserved, not a tensor name");
            }
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + tensor.name());
            }
        }
    }

    private static List<List<Tensor>> splitIntoShards(List<Tensor> tensors, DType dtype, long maxShardBytes) {
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> shard = new ArrayList<>();
        long shardBytes = 0;
        for (Tensor tensor : tensors) {
            long bytes = byteLength(tensor, dtype);
            if (!shard.isEmpty() && shardBytes + bytes > maxShardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                shardBytes = 0;
            }
            shard.add(tensor);
            shardBytes += bytes;
        }
        shards.add(shard);
        return shards;
    }

    private static long byteLength(Tensor tensor, DType dtype) {
        return (long) tensor.data().length * dtype.byteSize();
    }

    /** The header JSON, padded with spaces so that the data area starts 8-byte aligned, as the reference writer does. */
    private static byte[] header(List<Tensor> tensors, DType dtype, Map<String, String> metadata) {
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
            for (Tensor tensor : tensors) {
                writer.name(tensor.name()).beginObject();
                writer.name("dtype").value(dtype.safetensorsName());
                writer.name("shape").beginArray();
                for (long dim : tensor.shape) {
                    writer.value(dim);
                }
                writer.endArray();
                long end = offset + byteLength(tensor, dtype);
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

    @FunctionalInterface
    private interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private static void writeAtomically(Path file, Content content) {
        // Not Files.createTempFile: its owner-only permissions would carry over to the checkpoint.
        Path temp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                // Without this a crash shortly after the move could leave the name pointing at unwritten blocks.
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteAfterFailure(temp, e);
            throw new CheckpointException(file, "cannot write: " + e, e);
        } catch (RuntimeException e) {
            deleteAfterFailure(temp, e);
            throw e;
        }
    }

    private static void deleteAfterFailure(Path temp, Exception failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new CheckpointException(directory, "cannot create the directory: " + e.getMessage(), e);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Streams float data into a channel as one dtype through a single reusable buffer. */
    private static final class TensorDataWriter {

        private final FileChannel channel;
        private final DType dtype;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final short[] halves;

        TensorDataWriter(FileChannel channel, DType dtype) {
            this.channel = channel;
            this.dtype = dtype;
            this.halves = dtype == DType.F32 ? null : new short[BUFFER_BYTES / dtype.byteSize()];
        }

        void write(float[] data) throws IOException {
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
