package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.CheckpointException.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A HuggingFace checkpoint directory whose tensors are read by name: a single
 * {@code model.safetensors}, shards listed by {@code model.safetensors.index.json}, or a lone
 * {@code *.safetensors} file. Everything is validated on open; tensor data is memory-mapped on
 * demand, never read into the Java heap. Safe for concurrent reads.
 */
public final class Checkpoint implements AutoCloseable {

    /** Bytes read at a time by {@link #float32Into}: a multiple of every dtype's width. */
    private static final int CHUNK_BYTES = 1 << 22;

    static final String SINGLE_FILE = "model.safetensors";

    private static final String SAFETENSORS_SUFFIX = ".safetensors";

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final SortedMap<String, SafetensorsFile> fileByTensor;
    private final boolean sharded;
    private ByteBuffer chunk;

    private Checkpoint(
            Path directory, List<SafetensorsFile> files, SortedMap<String, SafetensorsFile> fileByTensor, boolean sharded) {
        this.directory = directory;
        this.files = files;
        this.fileByTensor = fileByTensor;
        this.sharded = sharded;
    }

    /**
     * Opens the checkpoint in {@code directory}, preferring the shard index, then
     * {@code model.safetensors}, then the directory's only {@code *.safetensors} file.
     *
     * @throws CorruptCheckpointException if there is no checkpoint, or it is malformed or inconsistent
     * @throws UnsupportedDtypeException if a tensor has a dtype other than F32, BF16 or F16
     */
    public static Checkpoint open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new CorruptCheckpointException(directory, "missing checkpoint directory");
        }
        Path index = directory.resolve(ShardIndex.FILE_NAME);
        if (Files.exists(index)) {
            return openSharded(directory, ShardIndex.read(index));
        }
        Path single = directory.resolve(SINGLE_FILE);
        return openSingle(directory, Files.exists(single) ? single : soleSafetensorsFile(directory));
    }

    private static Checkpoint openSingle(Path directory, Path file) {
        SafetensorsFile opened = SafetensorsFile.open(file);
        SortedMap<String, SafetensorsFile> fileByTensor = new TreeMap<>();
        opened.tensors().keySet().forEach(name -> fileByTensor.put(name, opened));
        return new Checkpoint(directory, List.of(opened), fileByTensor, false);
    }

    private static Path soleSafetensorsFile(Path directory) {
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(directory)) {
            candidates = entries
                    .filter(path -> path.getFileName().toString().endsWith(SAFETENSORS_SUFFIX) && Files.isRegularFile(path))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new CheckpointException(directory, "cannot list the directory: " + e.getMessage(), e);
        }
        if (candidates.isEmpty()) {
            throw new CorruptCheckpointException(directory, "no *.safetensors file in the directory");
        }
        if (candidates.size() > 1) {
            String names = candidates.stream().map(path -> path.getFileName().toString()).collect(Collectors.joining(", "));
            throw new CorruptCheckpointException(directory, candidates.size() + " safetensors files (" + names
                    + ") but no " + SINGLE_FILE + " or " + ShardIndex.FILE_NAME + " to choose between them");
        }
        return candidates.get(0);
    }

    private static Checkpoint openSharded(Path directory, ShardIndex index) {
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shardName : index.shardNames()) {
                Path shard = directory.resolve(shardName);
                if (!Files.exists(shard)) {
                    throw new CorruptCheckpointException(index.file(), "lists shard '" + shardName + "', which is missing");
                }
                shards.put(shardName, SafetensorsFile.open(shard));
            }
            return new Checkpoint(directory, List.copyOf(shards.values()), fileByTensor(index, shards), true);
        } catch (RuntimeException e) {
            RuntimeException closeFailure = closeAll(shards.values());
            if (closeFailure != null) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** Checks that the shards hold exactly the tensors the index assigns to them, each in one shard only. */
    private static SortedMap<String, SafetensorsFile> fileByTensor(ShardIndex index, Map<String, SafetensorsFile> shards) {
        index.weightMap().forEach((tensorName, shardName) -> {
            if (!shards.get(shardName).tensors().containsKey(tensorName)) {
                throw new CorruptCheckpointException(index.file(), "assigns " + tensor(tensorName)
                        + " to shard '" + shardName + "', which does not contain it");
            }
        });
        SortedMap<String, SafetensorsFile> fileByTensor = new TreeMap<>();
        shards.forEach((shardName, shard) -> {
            for (String tensorName : shard.tensors().keySet()) {
                String assigned = index.weightMap().get(tensorName);
                if (assigned == null) {
                    throw new CorruptCheckpointException(index.file(), "does not list " + tensor(tensorName)
                            + ", which shard '" + shardName + "' holds");
                }
                if (!assigned.equals(shardName)) {
                    throw new CorruptCheckpointException(index.file(), tensor(tensorName) + " appears in shard '"
                            + shardName + "' as well as in '" + assigned + "'");
                }
                fileByTensor.put(tensorName, shard);
            }
        });
        return fileByTensor;
    }

    /** The checkpoint directory. */
    public Path directory() {
        return directory;
    }

    /** True when the checkpoint was opened from a shard index, even one listing a single shard. */
    public boolean isSharded() {
        return sharded;
    }

    /** Every tensor name, sorted. */
    public Set<String> names() {
        return Collections.unmodifiableSet(fileByTensor.keySet());
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /**
     * Type, shape and location of the tensor {@code name}.
     *
     * @throws MissingTensorException if the checkpoint has no such tensor
     */
    public TensorInfo info(String name) {
        return fileOf(name).tensors().get(name);
    }

    /**
     * The stored bytes of the tensor {@code name}, in its own dtype, as a read-only little-endian
     * view mapped from the file.
     *
     * @throws MissingTensorException if the checkpoint has no such tensor
     */
    public ByteBuffer rawBytes(String name) {
        return fileOf(name).bytes(info(name));
    }

    /**
     * The tensor {@code name} as little-endian float32 values. An F32 tensor comes back as its
     * read-only mapped bytes, with no copy; a BF16 or F16 tensor is widened exactly into a new
     * direct buffer.
     *
     * @throws MissingTensorException if the checkpoint has no such tensor
     * @throws CheckpointException if the float32 values would exceed one buffer (2 GiB)
     */
    public ByteBuffer float32(String name) {
        TensorInfo info = info(name);
        if (info.dtype() == DType.F32) {
            return rawBytes(name);
        }
        long floatBytes = info.numel() * Float.BYTES;
        if (floatBytes > Integer.MAX_VALUE) {
            throw new CheckpointException(info.file(), tensor(name) + " needs " + floatBytes
                    + " bytes as float32, more than one buffer holds (" + Integer.MAX_VALUE + ")");
        }
        return HalfPrecision.widen(rawBytes(name), info.dtype());
    }

    /**
     * Writes the tensor {@code name} as float32 into {@code out} (at its position, which
     * advances), widening BF16 and F16 exactly. The file is read in chunks through one small
     * buffer, not mapped: a model converted while it loads never holds the checkpoint's pages.
     *
     * @throws MissingTensorException if the checkpoint has no such tensor
     */
    public void float32Into(String name, FloatBuffer out) {
        TensorInfo info = info(name);
        SafetensorsFile file = fileOf(name);
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        for (long offset = 0; offset < info.byteLength(); offset += chunk.limit()) {
            chunk.clear().limit((int) Math.min(CHUNK_BYTES, info.byteLength() - offset));
            file.read(info, offset, chunk);
            chunk.flip();
            if (info.dtype() == DType.F32) {
                out.put(chunk.asFloatBuffer());
            } else {
                HalfPrecision.widenInto(chunk, info.dtype(), out);
            }
        }
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new MissingTensorException(directory, name);
        }
        return file;
    }

    /** Closes every file of the checkpoint; buffers already returned remain readable. */
    @Override
    public void close() {
        RuntimeException failure = closeAll(files);
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes every file even if some fail; the first failure, with later ones suppressed, or null. */
    private static RuntimeException closeAll(Collection<SafetensorsFile> files) {
        RuntimeException failure = null;
        for (SafetensorsFile file : files) {
            try {
                file.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }
}
