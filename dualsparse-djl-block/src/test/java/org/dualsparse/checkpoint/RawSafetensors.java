package org.dualsparse.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, including the corrupt ones the writer never produces. */
final class RawSafetensors {

    private RawSafetensors() {
    }

    /** A file with {@code headerJson} under its true length, followed by {@code dataBytes} bytes of data. */
    static Path write(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, header.length, header, new byte[dataBytes]);
    }

    /** A file declaring a header of {@code declaredHeaderLength} bytes, whatever follows. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(declaredHeaderLength).put(header).put(data);
        Files.write(file, bytes.array());
        return file;
    }
}
