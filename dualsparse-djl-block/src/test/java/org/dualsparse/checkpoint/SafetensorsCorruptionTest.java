package org.dualsparse.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a safetensors file can be broken is reported as such, naming the file and what is wrong. */
class SafetensorsCorruptionTest {

    @TempDir
    Path dir;

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> SafetensorsFile.open(file));
        assertMentions(e, file.toString(), "missing");
        assertEquals(file, e.path());
    }

    @Test
    void fileShorterThanTheHeaderLength() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[5]);
        assertCorrupt(file, "5 bytes");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        Path file = RawSafetensors.write(dir.resolve("cut.safetensors"), 1000, header, new byte[0]);
        assertCorrupt(file, "1000", "truncated");
    }

    @Test
    void insaneHeaderLength() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("huge.safetensors"), 200_000_000L, new byte[16], new byte[0]);
        assertCorrupt(file, "200000000", "100000000");
    }

    @Test
    void headerLengthAboveTheSignedRange() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("negative.safetensors"), -1L, new byte[16], new byte[0]);
        assertCorrupt(file, "18446744073709551615");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Path file = RawSafetensors.write(dir.resolve("latin.safetensors"), header.length, header, new byte[0]);
        assertCorrupt(file, "UTF-8");
    }

    static Stream<Arguments> malformedHeaders() {
        return Stream.of(
                Arguments.of("cut short", "{\"w\": {\"dtype\": \"F32\",", List.of("JSON")),
                Arguments.of("array", "[1, 2]", List.of("JSON", "object")),
                Arguments.of("unquoted name", "{w: {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]}}", List.of("JSON")),
                Arguments.of("single quotes", "{'w': {}}", List.of("JSON")),
                Arguments.of("trailing content", "{} {}", List.of("malformed JSON at line 1 column 5")),
                Arguments.of("duplicate tensor",
                        "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                                + " \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                        List.of("duplicate", "'w'")),
                Arguments.of("entry not an object", "{\"w\": 3}", List.of("'w'", "not an object")),
                Arguments.of("no dtype", "{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", List.of("'w'", "dtype")),
                Arguments.of("no shape", "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}", List.of("'w'", "shape")),
                Arguments.of("no offsets", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", List.of("'w'", "data_offsets")),
                Arguments.of("dtype not a string", "{\"w\": {\"dtype\": 4, \"shape\": [2], \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "dtype", "not a string")),
                Arguments.of("shape not an array", "{\"w\": {\"dtype\": \"F32\", \"shape\": 2, \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "shape", "not an array")),
                Arguments.of("fractional dimension", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "[2.5]")),
                Arguments.of("quoted offset", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, \"8\"]}}",
                        List.of("'w'", "data_offsets")),
                Arguments.of("negative dimension", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "[-2]", "non-negative")),
                Arguments.of("one offset", "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0]}}",
                        List.of("'w'", "[0]", "[begin, end]")),
                Arguments.of("end before begin", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}",
                        List.of("'w'", "[8, 0]", "before")),
                Arguments.of("end beyond the file", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
                        List.of("'w'", "[0, 16]", "8-byte data area")),
                Arguments.of("overlapping tensors",
                        "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                                + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]},"
                                + " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [2, 6]}}",
                        List.of("'a'", "'c'", "overlaps", "[0, 4]", "[2, 6]")),
                Arguments.of("byte length not shape times dtype", "{\"w\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "8 bytes", "[3]", "BF16", "needs 6")),
                Arguments.of("shape overflowing a byte count",
                        "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}}",
                        List.of("'w'", "4611686018427387904")),
                Arguments.of("metadata value not a string", "{\"__metadata__\": {\"format\": 1}}",
                        List.of("__metadata__", "format")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeaders")
    void malformedHeader(String problem, String headerJson, List<String> fragments) throws IOException {
        Path file = RawSafetensors.write(dir.resolve("bad.safetensors"), headerJson, 8);
        assertCorrupt(file, fragments.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"I64", "F64", "I8", "BOOL", "F8_E4M3", "f32"})
    void unsupportedDtype(String dtype) throws IOException {
        Path file = RawSafetensors.write(dir.resolve("ints.safetensors"),
                "{\"position_ids\": {\"dtype\": \"" + dtype + "\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8);
        UnsupportedDtypeException e = assertThrows(UnsupportedDtypeException.class, () -> SafetensorsFile.open(file));
        assertMentions(e, file.toString(), "'position_ids'", dtype, "F32, BF16, F16");
        assertEquals(dtype, e.dtype());
        assertEquals("position_ids", e.tensorName());
    }

    @Test
    void truncatedData() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(
                new SafetensorsWriter.Tensor("first", new long[] {4}, new float[4]),
                new SafetensorsWriter.Tensor("last", new long[] {2, 2}, new float[4])), DType.F32, Map.of());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 3);
        }
        assertCorrupt(file, "'last'", "truncated");
    }

    private static void assertCorrupt(Path file, String... fragments) {
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> SafetensorsFile.open(file));
        assertMentions(e, file.toString());
        assertMentions(e, fragments);
    }

    static void assertMentions(Exception e, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' missing from: " + e.getMessage());
        }
    }
}
