package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.CheckpointException.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One safetensors file, its header validated on open and its tensors memory-mapped on demand.
 * Mapped buffers stay valid after {@link #close()}; new ones cannot be taken.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final SafetensorsHeader header;

    private SafetensorsFile(Path file, FileChannel channel, SafetensorsHeader header) {
        this.file = file;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens {@code file} and validates its header.
     *
     * @throws CorruptCheckpointException if the file is missing or its header is malformed or inconsistent
     * @throws UnsupportedDtypeException if a tensor has a dtype other than F32, BF16 or F16
     */
    public static SafetensorsFile open(Path file) {
        FileChannel channel = openChannel(file);
        try {
            return new SafetensorsFile(file, channel, SafetensorsHeader.read(file, channel));
        } catch (RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    private static FileChannel openChannel(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "missing file", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot open: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return file;
    }

    /** The tensors in header order. */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    /** The header's {@code __metadata__}, empty if it has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * The data of {@code info}, a tensor of this file, as a read-only little-endian view mapped
     * from the file: nothing is copied.
     *
     * @throws CheckpointException if the tensor is larger than one buffer can address (2 GiB)
     * @throws IllegalStateException if this file is closed
     */
    public ByteBuffer bytes(TensorInfo info) {
        if (!channel.isOpen()) {
            throw new IllegalStateException(file + " is closed");
        }
        if (!info.equals(tensors().get(info.name()))) {
            throw new IllegalArgumentException(info.name() + " is not a tensor of " + file);
        }
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new CheckpointException(file, tensor(info.name()) + " is " + info.byteLength()
                    + " bytes, more than one buffer can map (" + Integer.MAX_VALUE + ")");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, info.dataOffset(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot map " + tensor(info.name()) + ": " + e, e);
        }
    }

    /**
     * Reads {@code into.remaining()} bytes of {@code info}'s data from byte {@code offset} on into
     * {@code into} (a positional read: no mapping, so the bytes count in the page cache, not in
     * this process's resident memory).
     */
    public void read(TensorInfo info, long offset, ByteBuffer into) {
        if (!info.equals(tensors().get(info.name()))) {
            throw new IllegalArgumentException(info.name() + " is not a tensor of " + file);
        }
        if (offset < 0 || offset + into.remaining() > info.byteLength()) {
            throw new IllegalArgumentException("bytes [" + offset + ", " + (offset + into.remaining()) + ") outside "
                    + tensor(info.name()) + " of " + info.byteLength() + " bytes");
        }
        long position = info.dataOffset() + offset;
        try {
            while (into.hasRemaining()) {
                int read = channel.read(into, position);
                if (read < 0) {
                    throw new CorruptCheckpointException(file, tensor(info.name()) + " ends past the end of the file");
                }
                position += read;
            }
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read " + tensor(info.name()) + ": " + e, e);
        }
    }

    /** Closes the file; buffers already returned by {@link #bytes} remain readable. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot close: " + e.getMessage(), e);
        }
    }
}
