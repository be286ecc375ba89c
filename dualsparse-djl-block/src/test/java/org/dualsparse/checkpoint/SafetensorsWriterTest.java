package org.dualsparse.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.SafetensorsWriter.EncodedTensor;
import org.dualsparse.checkpoint.SafetensorsWriter.Shard;
import org.dualsparse.checkpoint.SafetensorsWriter.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void bf16RoundsToNearestTiesToEven() {
        assertBitsEqual(1.0f, SafetensorsWriter.roundToBf16(1.0f));
        assertBitsEqual(-2.5f, SafetensorsWriter.roundToBf16(-2.5f));
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: the tie goes to the even mantissa, 1.
        assertBitsEqual(1.0f, SafetensorsWriter.roundToBf16(1.00390625f));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertBitsEqual(1.015625f, SafetensorsWriter.roundToBf16(1.01171875f));
        assertBitsEqual(1.0078125f, SafetensorsWriter.roundToBf16(Math.nextUp(1.00390625f)));
        assertBitsEqual(3.140625f, SafetensorsWriter.roundToBf16((float) Math.PI));
        assertBitsEqual(Float.POSITIVE_INFINITY, SafetensorsWriter.roundToBf16(Float.MAX_VALUE));
        assertBitsEqual(-0.0f, SafetensorsWriter.roundToBf16(-0.0f));
        assertBitsEqual(Float.NEGATIVE_INFINITY, SafetensorsWriter.roundToBf16(Float.NEGATIVE_INFINITY));
    }

    @Test
    void bf16KeepsNaNsNaN() {
        assertTrue(Float.isNaN(SafetensorsWriter.roundToBf16(Float.NaN)));
        // A NaN whose payload lies only in the 16 bits that BF16 drops.
        assertTrue(Float.isNaN(SafetensorsWriter.roundToBf16(Float.intBitsToFloat(0x7F800001))));
        assertTrue(Float.isNaN(SafetensorsWriter.roundToBf16(Float.intBitsToFloat(0xFFFFFFFF))));
    }

    @Test
    void bf16RoundsEveryMidpointToEvenAndItsNeighboursToTheNearest() {
        for (int bits = 0; bits <= 0x7F7F; bits++) {
            int midpoint = bits << 16 | 0x8000;
            int even = (bits & 1) == 0 ? bits : bits + 1;
            for (int sign : new int[] {0, 0x8000}) {
                float below = Float.intBitsToFloat((midpoint - 1) | sign << 16);
                float above = Float.intBitsToFloat((midpoint + 1) | sign << 16);
                float tie = Float.intBitsToFloat(midpoint | sign << 16);
                assertEquals(bits | sign, bf16Bits(SafetensorsWriter.roundToBf16(below)));
                assertEquals((bits + 1) | sign, bf16Bits(SafetensorsWriter.roundToBf16(above)));
                assertEquals(even | sign, bf16Bits(SafetensorsWriter.roundToBf16(tie)));
            }
        }
    }

    @Test
    void f16RoundsToNearestTiesToEven() {
        assertBitsEqual(1.0f, SafetensorsWriter.roundToF16(1.0f));
        assertBitsEqual(-2.5f, SafetensorsWriter.roundToF16(-2.5f));
        assertBitsEqual(65504f, SafetensorsWriter.roundToF16(65504f));
        assertBitsEqual(65504f, SafetensorsWriter.roundToF16(65519.996f));
        assertBitsEqual(Float.POSITIVE_INFINITY, SafetensorsWriter.roundToF16(65520f));
        assertBitsEqual(Float.NEGATIVE_INFINITY, SafetensorsWriter.roundToF16(-1e10f));
        assertBitsEqual(0.333251953125f, SafetensorsWriter.roundToF16(1f / 3));
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
        assertBitsEqual(1.0f, SafetensorsWriter.roundToF16(1.00048828125f));
        assertBitsEqual(0x1p-14f, SafetensorsWriter.roundToF16(0x1p-14f));
        assertBitsEqual(-0.0f, SafetensorsWriter.roundToF16(-0.0f));
        assertTrue(Float.isNaN(SafetensorsWriter.roundToF16(Float.NaN)));
        assertTrue(Float.isNaN(SafetensorsWriter.roundToF16(Float.intBitsToFloat(0x7F800001))));
    }

    @Test
    void f16HasSubnormalsDownTo2ToTheMinus24() {
        float smallest = 0x1p-24f;
        assertEquals(5.96e-8f, smallest, 1e-10f);
        assertBitsEqual(smallest, SafetensorsWriter.roundToF16(smallest));
        assertBitsEqual(3 * smallest, SafetensorsWriter.roundToF16(3 * smallest));
        assertBitsEqual(0x3FFp-24f, SafetensorsWriter.roundToF16(0x3FFp-24f));
        // Half the smallest subnormal ties to zero; anything above it rounds up.
        assertBitsEqual(0.0f, SafetensorsWriter.roundToF16(0x1p-25f));
        assertBitsEqual(smallest, SafetensorsWriter.roundToF16(Math.nextUp(0x1p-25f)));
        assertBitsEqual(-0.0f, SafetensorsWriter.roundToF16(-Float.MIN_VALUE));
        // 1.5 * 2^-24 ties to 2 * 2^-24, the even neighbour.
        assertBitsEqual(2 * smallest, SafetensorsWriter.roundToF16(1.5f * smallest));
    }

    @Test
    void f16WidensEveryBitPatternToItsExactValue() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float widened = HalfPrecision.f16ToFloat((short) bits);
            int exponent = (bits >>> 10) & 0x1F;
            int mantissa = bits & 0x3FF;
            double sign = (bits & 0x8000) == 0 ? 1 : -1;
            if (exponent == 0x1F) {
                assertEquals(mantissa != 0, Float.isNaN(widened), Integer.toHexString(bits));
                continue;
            }
            double expected = exponent == 0
                    ? sign * Math.scalb((double) mantissa, -24)
                    : sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
            assertEquals(expected, widened, 0.0, Integer.toHexString(bits));
            assertEquals(bits, HalfPrecision.floatToF16(widened) & 0xFFFF, Integer.toHexString(bits));
        }
        assertBitsEqual(Float.NEGATIVE_INFINITY, HalfPrecision.f16ToFloat((short) 0xFC00));
    }

    @Test
    void f16RoundsEveryMidpointToEvenAndItsNeighboursToTheNearest() {
        for (int bits = 0; bits < 0x7C00; bits++) {
            float low = HalfPrecision.f16ToFloat((short) bits);
            // Past 65504 the next step would be 65536: its midpoint 65520 is where rounding reaches infinity.
            float midpoint = bits == 0x7BFF ? 65520f : (low + HalfPrecision.f16ToFloat((short) (bits + 1))) / 2;
            int even = (bits & 1) == 0 ? bits : bits + 1;
            assertEquals(bits, HalfPrecision.floatToF16(Math.nextDown(midpoint)), Integer.toHexString(bits));
            assertEquals(bits + 1, HalfPrecision.floatToF16(Math.nextUp(midpoint)), Integer.toHexString(bits));
            assertEquals(even, HalfPrecision.floatToF16(midpoint), Integer.toHexString(bits));
            assertEquals(bits | 0x8000, HalfPrecision.floatToF16(-Math.nextDown(midpoint)) & 0xFFFF);
        }
    }

    @Test
    void headerIsPaddedWithSpacesSoTheDataStartsEightByteAligned() throws IOException {
        for (String name : List.of("a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh")) {
            Path file = dir.resolve(name + ".safetensors");
            SafetensorsWriter.write(file, List.of(new Tensor(name, new long[] {2}, new float[] {1, 2})), DType.F32, Map.of());
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = bytes.getLong();
            assertEquals(0, headerLength % 8, name);
            String header = new String(bytes.array(), 8, (int) headerLength, StandardCharsets.UTF_8);
            String json = header.stripTrailing();
            assertTrue(json.endsWith("}"), header);
            assertEquals(" ".repeat(header.length() - json.length()), header.substring(json.length()));
            assertTrue(header.length() - json.length() < 8, header);
            JsonObject entry = JsonParser.parseString(json).getAsJsonObject().getAsJsonObject(name);
            assertEquals("[0,8]", entry.get("data_offsets").toString());
            assertEquals(8 + headerLength + 8, bytes.capacity());
            assertEquals(1.0f, bytes.getFloat(8 + (int) headerLength));
        }
    }

    @Test
    void writesTensorsInOrderWithContiguousOffsetsAndMetadata() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(
                new Tensor("z.second", new long[] {3}, new float[] {1, 2, 3}),
                new Tensor("a.third", new long[] {}, new float[] {4}),
                new Tensor("m.empty", new long[] {0, 5}, new float[0])), DType.BF16, Map.of("format", "pt"));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of("z.second", "a.third", "m.empty"), List.copyOf(read.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), read.metadata());
            TensorInfo second = read.tensors().get("z.second");
            TensorInfo third = read.tensors().get("a.third");
            assertEquals(6, second.byteLength());
            assertEquals(second.dataOffset() + 6, third.dataOffset());
            assertEquals(0, (third.dataOffset() - 8) % 2);
            assertArrayEquals(new long[] {}, third.shape());
            assertEquals(1, third.numel());
            assertEquals(0, read.tensors().get("m.empty").numel());
        }
    }

    @Test
    void shardsAreFilledInOrderUpToTheLimitWithAnOversizedTensorAlone() throws IOException {
        List<Tensor> tensors = List.of(
                tensor("layers.0.w", 100),   // 400 bytes
                tensor("layers.0.b", 100),   // 800: still fits 1000
                tensor("layers.1.w", 100),   // would make 1200: new shard
                tensor("embed", 600),        // 2400 bytes, over the limit: a shard of its own
                tensor("norm", 10));
        SafetensorsWriter.writeSharded(dir, tensors, DType.F32, 1000);

        JsonObject index = JsonParser.parseString(Files.readString(dir.resolve("model.safetensors.index.json"))).getAsJsonObject();
        assertEquals(4 * (100 + 100 + 100 + 600 + 10), index.getAsJsonObject("metadata").get("total_size").getAsLong());
        JsonObject weightMap = index.getAsJsonObject("weight_map");
        assertEquals(List.of("embed", "layers.0.b", "layers.0.w", "layers.1.w", "norm"), List.copyOf(weightMap.keySet()));
        assertEquals("model-00001-of-00004.safetensors", weightMap.get("layers.0.w").getAsString());
        assertEquals("model-00001-of-00004.safetensors", weightMap.get("layers.0.b").getAsString());
        assertEquals("model-00002-of-00004.safetensors", weightMap.get("layers.1.w").getAsString());
        assertEquals("model-00003-of-00004.safetensors", weightMap.get("embed").getAsString());
        assertEquals("model-00004-of-00004.safetensors", weightMap.get("norm").getAsString());
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00001-of-00004.safetensors"))) {
            assertEquals(List.of("layers.0.w", "layers.0.b"), List.copyOf(shard.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), shard.metadata());
        }
        assertEquals(List.of("model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors", "model.safetensors.index.json"),
                fileNames(dir));
    }

    @Test
    void encodedTensorsKeepTheirOwnDtypeInTheShardsTheyAreGiven() throws IOException {
        List<String> produced = new ArrayList<>();
        SafetensorsWriter.writeShards(dir, List.of(
                new Shard("weights-a.safetensors", List.of(
                        encoded("b.half", DType.BF16, new float[] {1.5f, -2f}, produced),
                        encoded("a.full", DType.F32, new float[] {0.1f}, produced))),
                new Shard("weights-b.safetensors", List.of(
                        encoded("c.f16", DType.F16, new float[] {3f, 4f, 5f}, produced)))));
        assertEquals(List.of("b.half", "a.full", "c.f16"), produced, "bytes are asked for in file order");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertTrue(checkpoint.isSharded());
            assertEquals(DType.BF16, checkpoint.info("b.half").dtype());
            assertEquals(DType.F16, checkpoint.info("c.f16").dtype());
            assertEquals(dir.resolve("weights-b.safetensors"), checkpoint.info("c.f16").file());
            assertEquals(-2f, checkpoint.float32("b.half").getFloat(4));
            assertEquals(0.1f, checkpoint.float32("a.full").getFloat(0));
        }
        JsonObject index = JsonParser.parseString(Files.readString(dir.resolve("model.safetensors.index.json"))).getAsJsonObject();
        assertEquals(2 * 2 + 4 + 3 * 2, index.getAsJsonObject("metadata").get("total_size").getAsLong());
    }

    @Test
    void encodedBytesThatDoNotFitTheShapeFailTheWriteAndLeaveNoFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SafetensorsWriter.writeEncoded(file,
                List.of(new EncodedTensor("w", DType.BF16, new long[] {2}, () -> DType.BF16.encode(new float[3])))));
        assertTrue(e.getMessage().contains("6 bytes supplied for BF16[2], which takes 4"), e.getMessage());
        assertEquals(List.of(), fileNames(dir));
        assertThrows(IllegalArgumentException.class, () -> new Shard("../x.safetensors", List.of()));
    }

    @Test
    void replacesAnExistingFileWithoutLeavingTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(tensor("old", 4)), DType.F32, Map.of());
        SafetensorsWriter.write(file, List.of(tensor("new", 2)), DType.F16, Map.of());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of("new"), List.copyOf(read.tensors().keySet()));
        }
        assertEquals(List.of("model.safetensors"), fileNames(dir));
    }

    @Test
    void aFailedWriteLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("model.safetensors"));
        Files.writeString(target.resolve("keep"), "x");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafetensorsWriter.write(target, List.of(tensor("w", 4)), DType.F32, Map.of()));
        assertTrue(e.getMessage().startsWith(target.toString()), e.getMessage());
        assertEquals(List.of("model.safetensors"), fileNames(dir));
        assertEquals(List.of("keep"), fileNames(target));
    }

    @Test
    void writingASingleFileRemovesAStaleIndexThatWouldShadowIt() throws IOException {
        SafetensorsWriter.writeSharded(dir, List.of(tensor("old", 4)), DType.F32, 1 << 20);
        SafetensorsWriter.writeSingle(dir, List.of(tensor("new", 4)), DType.F32);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of("new"), List.copyOf(checkpoint.names()));
        }
    }

    @Test
    void rejectsTensorsItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> new Tensor("w", new long[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("w", new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(dir.resolve("a.safetensors"),
                List.of(tensor("w", 1), tensor("w", 2)), DType.F32, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(dir.resolve("a.safetensors"),
                List.of(tensor("__metadata__", 1)), DType.F32, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.writeSharded(dir, List.of(tensor("w", 1)), DType.F32, 0));
        assertFalseExists(dir.resolve("a.safetensors"));
    }

    private static void assertFalseExists(Path file) {
        assertTrue(Files.notExists(file), file + " exists");
    }

    /** {@code values} as a vector in {@code dtype}, recording in {@code produced} when its bytes are asked for. */
    private static EncodedTensor encoded(String name, DType dtype, float[] values, List<String> produced) {
        return new EncodedTensor(name, dtype, new long[] {values.length}, () -> {
            produced.add(name);
            return dtype.encode(values);
        });
    }

    private static Tensor tensor(String name, int size) {
        float[] data = new float[size];
        Arrays.fill(data, 0.5f);
        return new Tensor(name, new long[] {size}, data);
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    private static int bf16Bits(float value) {
        return Float.floatToRawIntBits(value) >>> 16;
    }

    private static void assertBitsEqual(float expected, float actual) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                () -> "expected " + expected + " but was " + actual);
    }
}
