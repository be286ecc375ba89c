package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.SafetensorsCorruptionTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.checkpoint.SafetensorsWriter.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    @Test
    void describesEachTensorWhereItLies() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("hand.safetensors"),
                "{\"__metadata__\": {\"format\": \"pt\", \"source\": \"hand\"},"
                        + " \"b\": {\"dtype\": \"F16\", \"shape\": [2, 2], \"data_offsets\": [16, 24]},"
                        + " \"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", 24);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of("b", "a"), List.copyOf(read.tensors().keySet()));
            assertEquals(List.of("format", "source"), List.copyOf(read.metadata().keySet()));
            long dataStart = 8 + (file.toFile().length() - 8 - 24);
            TensorInfo b = read.tensors().get("b");
            assertEquals(new TensorInfo("b", DType.F16, new long[] {2, 2}, file, dataStart + 16, 8), b);
            assertEquals("[2, 2]", b.shapeString());
            assertEquals(4, b.numel());
        }
    }

    @Test
    void metadataIsEmptyWithoutAMetadataEntry() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("plain.safetensors"), "{}", 0);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(Map.of(), read.metadata());
            assertEquals(Map.of(), read.tensors());
        }
    }

    @Test
    void bytesAreAReadOnlyLittleEndianMappingOfTheFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(
                new Tensor("pad", new long[] {1}, new float[] {9}),
                new Tensor("w", new long[] {3}, new float[] {1.5f, -2f, 65504f})), DType.F16, Map.of());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            ByteBuffer bytes = read.bytes(read.tensors().get("w"));
            assertTrue(bytes.isReadOnly());
            assertEquals(ByteOrder.LITTLE_ENDIAN, bytes.order());
            assertEquals(6, bytes.remaining());
            assertEquals(0x3E00, bytes.getShort(0));
            assertEquals((short) 0xC000, bytes.getShort(2));
            assertEquals(0x7BFF, bytes.getShort(4));
            assertThrows(ReadOnlyBufferException.class, () -> bytes.putShort(0, (short) 0));
        }
    }

    @Test
    void refusesToMapATensorBeyondWhatOneBufferAddresses() throws IOException {
        long elements = (1L << 29) + 1; // one element past 2 GiB of F32
        Path file = RawSafetensors.write(dir.resolve("big.safetensors"), "{\"huge\": {\"dtype\": \"F32\", \"shape\": ["
                + elements + "], \"data_offsets\": [0, " + elements * 4 + "]}}", 0);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(sparse.length() + elements * 4);
        }
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            TensorInfo huge = read.tensors().get("huge");
            assertArrayEquals(new long[] {elements}, huge.shape());
            CheckpointException e = assertThrows(CheckpointException.class, () -> read.bytes(huge));
            assertMentions(e, file.toString(), "'huge'", String.valueOf(elements * 4));
        }
    }

    @Test
    void bytesRejectTensorsOfOtherFilesAndClosedFiles() throws IOException {
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        SafetensorsWriter.write(first, List.of(new Tensor("w", new long[] {1}, new float[] {1})), DType.F32, Map.of());
        SafetensorsWriter.write(second, List.of(new Tensor("w", new long[] {1}, new float[] {2})), DType.F32, Map.of());
        SafetensorsFile one = SafetensorsFile.open(first);
        try (SafetensorsFile other = SafetensorsFile.open(second)) {
            assertThrows(IllegalArgumentException.class, () -> one.bytes(other.tensors().get("w")));
        }
        ByteBuffer mappedBeforeClose = one.bytes(one.tensors().get("w"));
        one.close();
        assertThrows(IllegalStateException.class, () -> one.bytes(one.tensors().get("w")));
        assertEquals(1f, mappedBeforeClose.getFloat(0));
    }
}
