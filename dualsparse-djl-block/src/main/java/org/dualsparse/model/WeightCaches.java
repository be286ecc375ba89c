package org.dualsparse.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightCache;

/**
 * Where a checkpoint's quantized weights are cached and what makes a cache stale: the
 * checkpoint's files (name, size, modification time), the weight format and block layout, and
 * {@link #LAYOUT_VERSION}, raised whenever the order or packing of the cached graphs changes.
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
                text.append("; ").append(f.getFileName()).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint " + checkpoint, e);
        }
        return sha256(text.toString()) + " " + text;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
