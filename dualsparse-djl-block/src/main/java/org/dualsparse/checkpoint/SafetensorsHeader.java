package org.dualsparse.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * The validated header of a safetensors file: its tensors in header order and its free-form
 * metadata. The file starts with an 8-byte little-endian header length N, then N bytes of UTF-8
 * JSON; tensor data follows.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** The reference implementation's limit; checking it first keeps a corrupt length from allocating gigabytes. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved header key of the free-form string metadata. */
    static final String METADATA_KEY = "__metadata__";

    SafetensorsHeader {
        tensors = Collections.unmodifiableMap(tensors);
        metadata = Collections.unmodifiableMap(metadata);
    }

    /** Reads and validates the header of {@code file}, open as {@code channel}. */
    static SafetensorsHeader read(Path file, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < Long.BYTES) {
                throw new CorruptCheckpointException(file,
                        "file is " + fileSize + " bytes, too short for the 8-byte header length");
            }
            long headerBytes = readFully(channel, 0, Long.BYTES).getLong();
            if (Long.compareUnsigned(headerBytes, MAX_HEADER_BYTES) > 0) {
                throw new CorruptCheckpointException(file, "header length " + Long.toUnsignedString(headerBytes)
                        + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            if (headerBytes > fileSize - Long.BYTES) {
                throw new CorruptCheckpointException(file, "header length " + headerBytes
                        + " runs past the end of the " + fileSize + "-byte file (truncated?)");
            }
            String json = decodeUtf8(file, readFully(channel, Long.BYTES, (int) headerBytes));
            long dataStart = Long.BYTES + headerBytes;
            return HeaderParser.parse(file, json, dataStart, fileSize - dataStart);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read the header: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException("file ended at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CorruptCheckpointException(file, "header is not valid UTF-8", e);
        }
    }
}
