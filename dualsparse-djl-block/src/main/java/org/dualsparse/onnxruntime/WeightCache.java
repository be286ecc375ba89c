package org.dualsparse.onnxruntime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The packed weights of one checkpoint in one format, on disk: the serialized one-product graphs
 * of its matrices in the order a load asks for them, so the next load of the same checkpoint
 * skips quantizing. One file: a header with the fingerprint of the checkpoint and the format it
 * was made for, then each matrix's shape, packed bytes, CRC-32 and graph, then an end marker with
 * the count.
 *
 * <p>A cache made for another checkpoint state or format (the fingerprint differs) is stale and
 * made again. A cache that does not read back as written (bad magic, truncated, a checksum or a
 * shape that does not match) is corrupt: it is refused with a {@link WeightCacheException} naming
 * the file and the entry, never used. A new cache is written to a temporary file and renamed into
 * place only when complete, so a crash mid-write leaves no cache rather than a broken one. That
 * file, {@code NAME.writing-PID-N}, is the writer's own: two loads of one checkpoint in one
 * process write two files, and the one that finishes last takes the name.
 * Entries are read with positional reads into one reused buffer rather than mapped: ONNX Runtime
 * copies a graph's weights when it makes the session, and mapped pages would stay resident until
 * the garbage collector unmaps them.
 */
public final class WeightCache implements AutoCloseable {

    private static final long MAGIC = 0x31304B5053445344L; // "DSDSPK01" little-endian
    private static final long END = 0x444E454B50534453L;
    private static final int ENTRY_HEADER = 4 * Long.BYTES;
    /**
     * What follows a temporary file's prefix: the writer's process id and, since several may write
     * in one process, a count (files that earlier versions left have none).
     */
    private static final Pattern WRITER = Pattern.compile("([0-9]{1,18})(-[0-9]{1,18})?");
    private static final AtomicLong WRITERS = new AtomicLong();

    private final Path file;
    private final FileChannel channel;
    private final Path writing;
    private long position;
    private long entries;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    private WeightCache(Path file, FileChannel channel, Path writing, long position, long entries) {
        this.file = file;
        this.channel = channel;
        this.writing = writing;
        this.position = position;
        this.entries = entries;
    }

    /**
     * The cache at {@code file} for {@code fingerprint}: read back if it exists and was made for
     * it, otherwise (absent or stale) written afresh as the load goes.
     *
     * @throws WeightCacheException if the file exists but is corrupt, or cannot be read or written
     */
    public static WeightCache open(Path file, String fingerprint) {
        if (Files.exists(file)) {
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                try {
                    String stored = readHeader(file, channel);
                    if (stored.equals(fingerprint)) {
                        return new WeightCache(file, channel, null, channel.position(), 0);
                    }
                    channel.close();
                } catch (RuntimeException e) {
                    channel.close();
                    throw e;
                }
            } catch (IOException e) {
                throw new WeightCacheException(file, "cannot read: " + e.getMessage(), e);
            }
        }
        return create(file, fingerprint);
    }

    private static WeightCache create(Path file, String fingerprint) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            deleteAbandoned(file);
            Path temporary = file.resolveSibling(writingPrefix(file) + ProcessHandle.current().pid() + "-" + WRITERS.incrementAndGet());
            FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            byte[] text = fingerprint.getBytes(StandardCharsets.UTF_8);
            ByteBuffer header = ByteBuffer.allocate(2 * Long.BYTES + text.length).order(ByteOrder.LITTLE_ENDIAN);
            header.putLong(MAGIC).putLong(text.length).put(text).flip();
            writeFully(channel, header, 0);
            return new WeightCache(file, channel, temporary, header.capacity(), 0);
        } catch (IOException e) {
            throw new WeightCacheException(file, "cannot write: " + e.getMessage(), e);
        }
    }

    private static String writingPrefix(Path file) {
        return file.getFileName() + ".writing-";
    }

    /**
     * Deletes what writers of {@code file} that died midway (killed, out of memory) left: caches
     * run to gigabytes, and a writer that no longer runs never finishes its file.
     */
    private static void deleteAbandoned(Path file) throws IOException {
        String prefix = writingPrefix(file);
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(file.toAbsolutePath().getParent(), prefix + "*")) {
            for (Path sibling : siblings) {
                Matcher writer = WRITER.matcher(sibling.getFileName().toString().substring(prefix.length()));
                if (writer.matches() && ProcessHandle.of(Long.parseLong(writer.group(1))).isEmpty()) {
                    Files.deleteIfExists(sibling);
                }
            }
        }
    }

    /** Whether this cache is being read (true) or written. */
    public boolean reading() {
        return writing == null;
    }

    public Path file() {
        return file;
    }

    /** A graph read back: its serialized model, valid until the next read, and its packed weight bytes. */
    public record Entry(ByteBuffer model, long packedBytes) {}

    /**
     * The next matrix's graph, which must be {@code [outputs, inputs]}.
     *
     * @throws WeightCacheException if the entry is missing, of another shape, or fails its checksum
     */
    public Entry next(long outputs, long inputs) {
        long index = entries++;
        try {
            ByteBuffer header = ByteBuffer.allocate(ENTRY_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(header, position, "entry " + index);
            header.flip();
            long storedOutputs = header.getLong();
            if (storedOutputs == END) {
                throw corrupt("ends after " + index + " matrices; the model asks for more: it was made for another model or by another version, delete it to rebuild");
            }
            long storedInputs = header.getLong();
            long packed = header.getLong();
            long checksum = header.getLong();
            if (storedOutputs != outputs || storedInputs != inputs) {
                throw corrupt("entry " + index + " is [" + storedOutputs + ", " + storedInputs + "], the model asks for ["
                        + outputs + ", " + inputs + "]: delete it to rebuild");
            }
            long length = readLength(position + ENTRY_HEADER, index);
            if (buffer.capacity() < length) {
                buffer = ByteBuffer.allocateDirect(Math.toIntExact(length));
            }
            buffer.clear().limit((int) length);
            readFully(buffer, position + ENTRY_HEADER + Long.BYTES, "entry " + index);
            buffer.flip();
            CRC32 crc = new CRC32();
            crc.update(buffer.duplicate());
            if (crc.getValue() != checksum) {
                throw corrupt("entry " + index + " fails its checksum: delete it to rebuild");
            }
            position += ENTRY_HEADER + Long.BYTES + length;
            return new Entry(buffer, packed);
        } catch (IOException e) {
            throw new WeightCacheException(file, "cannot read entry " + index + ": " + e.getMessage(), e);
        }
    }

    /** Appends the graph of the next matrix, {@code [outputs, inputs]}, whose weights pack into {@code packedBytes}. */
    public void add(long outputs, long inputs, long packedBytes, byte[] model) {
        CRC32 crc = new CRC32();
        crc.update(model);
        ByteBuffer header = ByteBuffer.allocate(ENTRY_HEADER + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(outputs).putLong(inputs).putLong(packedBytes).putLong(crc.getValue()).putLong(model.length).flip();
        try {
            writeFully(channel, header, position);
            writeFully(channel, ByteBuffer.wrap(model), position + header.capacity());
        } catch (IOException e) {
            throw new WeightCacheException(file, "cannot write: " + e.getMessage(), e);
        }
        position += header.capacity() + model.length;
        entries++;
    }

    /**
     * Ends the load: a written cache gets its end marker and takes its place; a read one must
     * have been read to its end.
     *
     * @throws WeightCacheException if a read cache holds more matrices than the load asked for
     */
    public void finish() {
        ByteBuffer end = ByteBuffer.allocate(2 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (reading()) {
                readFully(end, position, "the end marker");
                end.flip();
                if (end.getLong() != END || end.getLong() != entries) {
                    throw corrupt("holds more than the " + entries + " matrices the model asked for: delete it to rebuild");
                }
                return;
            }
            end.putLong(END).putLong(entries).flip();
            writeFully(channel, end, position);
            channel.force(true);
            channel.close();
            try {
                Files.move(writing, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(writing, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new WeightCacheException(file, "cannot finish: " + e.getMessage(), e);
        }
    }

    /** Closes the file; an unfinished written cache is deleted, never left half-made. */
    @Override
    public void close() {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
            if (writing != null) {
                Files.deleteIfExists(writing);
            }
        } catch (IOException e) {
            throw new WeightCacheException(file, "cannot close: " + e.getMessage(), e);
        }
    }

    private static String readHeader(Path file, FileChannel channel) throws IOException {
        ByteBuffer start = ByteBuffer.allocate(2 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (channel.read(start, 0) < start.capacity() || start.flip().getLong() != MAGIC) {
            throw new WeightCacheException(file, "is not a dualsparse weight cache (bad magic): delete it to rebuild");
        }
        long length = start.getLong();
        if (length < 0 || length > 65536) {
            throw new WeightCacheException(file, "has a " + length + "-byte fingerprint: corrupt, delete it to rebuild");
        }
        ByteBuffer text = ByteBuffer.allocate((int) length);
        if (channel.read(text, start.capacity()) < length) {
            throw new WeightCacheException(file, "is truncated in its header: delete it to rebuild");
        }
        channel.position(start.capacity() + length);
        return new String(text.array(), StandardCharsets.UTF_8);
    }

    private long readLength(long at, long index) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(length, at, "entry " + index);
        long value = length.flip().getLong();
        if (value < 0 || value > Integer.MAX_VALUE || at + Long.BYTES + value > channel.size()) {
            throw corrupt("entry " + index + " claims " + value + " bytes, past the end of the file: delete it to rebuild");
        }
        return value;
    }

    private void readFully(ByteBuffer into, long at, String what) throws IOException {
        long p = at;
        while (into.hasRemaining()) {
            int read = channel.read(into, p);
            if (read < 0) {
                throw corrupt("is truncated in " + what + ": delete it to rebuild");
            }
            p += read;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer from, long at) throws IOException {
        long p = at;
        while (from.hasRemaining()) {
            p += channel.write(from, p);
        }
    }

    private WeightCacheException corrupt(String what) {
        return new WeightCacheException(file, what);
    }

    @Override
    public String toString() {
        return file + (reading() ? " (read)" : " (written)");
    }
}
