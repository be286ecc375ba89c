package org.dualsparse.model;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A SHA-256 of a file that reads at most 2 MiB of it whatever its size: its first MiB (a
 * safetensors file's header and more) and the 4 KiB before each of 256 evenly spaced places after
 * that, the last its end. Two files of one size whose bytes differ throughout, as two fine-tunes
 * of a checkpoint do, differ in it.
 */
final class FileSample {

    private static final int HEAD = 1 << 20;
    private static final int SAMPLES = 256;
    private static final int SAMPLE = 4096;

    private FileSample() {}

    static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            update(digest, file, channel, 0, (int) Math.min(HEAD, size));
            long rest = size - HEAD;
            for (int i = 1; rest > 0 && i <= SAMPLES; i++) {
                long end = HEAD + rest * i / SAMPLES;
                long at = Math.max(HEAD, end - SAMPLE);
                update(digest, file, channel, at, (int) (end - at));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, Path file, FileChannel channel, long at, int length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        while (bytes.hasRemaining()) {
            if (channel.read(bytes, at + bytes.position()) < 0) {
                throw new EOFException(file + " ended before byte " + (at + length) + " while it was read");
            }
        }
        digest.update(bytes.flip());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
