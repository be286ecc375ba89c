package org.dualsparse.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightCache;

/**
 * Where a checkpoint's quantized weights are cached and what makes a cache stale: the
 * checkpoint's files (name, size, modification time, inode and inode change time), the weight
 * format and block layout, and {@link #LAYOUT_VERSION}, raised whenever the order or packing of
 * the cached graphs changes.
 */
final class WeightCaches {

    /** Raise when the graphs, the quantizer or the order the families load matrices in change. */
    static final int LAYOUT_VERSION = 4;
    private static final String FOLDER = ".dualsparse-cache";

    private WeightCaches() {}

    /** The cache of {@code checkpoint} for {@code options}, opened for reading or writing. */
    static WeightCache open(Path checkpoint, LoadOptions options) {
        // A shared cache folder holds one subfolder per checkpoint, named by its absolute path's hash.
        String checkpointId = sha256(checkpoint.toAbsolutePath().normalize().toString()).substring(0, 16);
        Path folder = LoadOptions.CACHE_NEXT_TO_CHECKPOINT.equals(options.weightCache())
                ? checkpoint.resolve(FOLDER)
                : Path.of(options.weightCache()).resolve(checkpointId);
        Quantization q = options.quantization();
        String name = options.weights() + "-b" + q.blockSize() + (q.symmetric() ? "-symmetric" : "-zero-points") + ".dspk";
        return WeightCache.open(folder.resolve(name), fingerprint(checkpoint, options));
    }

    static String fingerprint(Path checkpoint, LoadOptions options) {
        StringBuilder text = new StringBuilder(
                "layout " + LAYOUT_VERSION + "; " + options.weights() + " " + options.quantization());
        try (Stream<Path> files = Files.list(checkpoint)) {
            List<Path> inputs = files.filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".safetensors") || n.equals("config.json") || n.endsWith(".safetensors.index.json");
            }).sorted().toList();
            for (Path f : inputs) {
                text.append("; ").append(state(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint " + checkpoint, e);
        }
        return sha256(text.toString()) + " " + text;
    }

    /**
     * A checkpoint file's name, size and modification time, and what no copy carries over: its
     * inode (a file renamed into place brings its own) and the inode's change time, which the
     * system sets whenever the file is written or has its times set, and no user tool can set
     * back. {@code cp -p}, {@code rsync -a} and tar copy the modification time, so a same-sized
     * fine-tune would keep the first three. Reading no content, this keeps a cached load of a
     * large checkpoint as fast as before; where the file system has no unix view, a {@link
     * FileSample} of the content stands in.
     */
    private static String state(Path f) throws IOException {
        String state = f.getFileName() + " " + Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis();
        if (!f.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            return state + " sample " + FileSample.sha256(f);
        }
        Map<String, Object> unix = Files.readAttributes(f, "unix:ino,ctime");
        return state + " inode " + unix.get("ino") + " changed " + ((FileTime) unix.get("ctime")).to(TimeUnit.NANOSECONDS);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
