package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.SafetensorsCorruptionTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.dualsparse.checkpoint.SafetensorsWriter.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointTest {

    private static final float[] SPECIAL_VALUES = {
        1.0f, -2.5f, 65504f, 0x1p-24f, 1.00390625f, 0.0f, -0.0f, Float.POSITIVE_INFINITY, Float.NaN
    };

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DType.class)
    void singleFileRoundTripGivesBackTheRoundedValues(DType dtype) {
        List<Tensor> tensors = randomTensors();
        SafetensorsWriter.writeSingle(dir, tensors, dtype);
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
        assertReadsBack(tensors, dtype);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void shardedRoundTripGivesBackTheRoundedValues(DType dtype) throws IOException {
        List<Tensor> tensors = randomTensors();
        SafetensorsWriter.writeSharded(dir, tensors, dtype, 1 << 20);
        try (var files = Files.list(dir)) {
            assertTrue(files.filter(path -> path.getFileName().toString().startsWith("model-0000")).count() > 1);
        }
        assertReadsBack(tensors, dtype);
    }

    @Test
    void specialValuesSurviveAsTheirExactNeighbours() {
        SafetensorsWriter.writeSingle(dir.resolve("f32"), List.of(new Tensor("v", new long[] {9}, SPECIAL_VALUES)), DType.F32);
        SafetensorsWriter.writeSingle(dir.resolve("bf16"), List.of(new Tensor("v", new long[] {9}, SPECIAL_VALUES)), DType.BF16);
        SafetensorsWriter.writeSingle(dir.resolve("f16"), List.of(new Tensor("v", new long[] {9}, SPECIAL_VALUES)), DType.F16);
        float inf = Float.POSITIVE_INFINITY;
        assertValues(dir.resolve("f32"), SPECIAL_VALUES);
        assertValues(dir.resolve("bf16"), new float[] {1.0f, -2.5f, 65536f, 0x1p-24f, 1.0f, 0.0f, -0.0f, inf, Float.NaN});
        assertValues(dir.resolve("f16"), new float[] {1.0f, -2.5f, 65504f, 5.9604645e-8f, 1.00390625f, 0.0f, -0.0f, inf, Float.NaN});
    }

    @Test
    void rawBytesHoldTheStoredBitPatterns() {
        float[] values = {1.0f, -2.5f, 65504f, 0x1p-24f};
        SafetensorsWriter.writeSingle(dir.resolve("bf16"), List.of(new Tensor("v", new long[] {4}, values)), DType.BF16);
        SafetensorsWriter.writeSingle(dir.resolve("f16"), List.of(new Tensor("v", new long[] {4}, values)), DType.F16);
        try (Checkpoint bf16 = Checkpoint.open(dir.resolve("bf16")); Checkpoint f16 = Checkpoint.open(dir.resolve("f16"))) {
            assertArrayEquals(new short[] {0x3F80, (short) 0xC020, 0x4780, 0x3380}, shorts(bf16.rawBytes("v")));
            assertArrayEquals(new short[] {0x3C00, (short) 0xC100, 0x7BFF, 0x0001}, shorts(f16.rawBytes("v")));
        }
    }

    @Test
    void float32OfAnF32TensorIsTheReadOnlyMappedFileItself() throws IOException {
        SafetensorsWriter.writeSingle(dir, List.of(new Tensor("w", new long[] {2, 2}, new float[] {1, 2, 3, 4})), DType.F32);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            ByteBuffer floats = checkpoint.float32("w");
            assertTrue(floats.isDirect());
            assertTrue(floats.isReadOnly());
            assertEquals(ByteOrder.LITTLE_ENDIAN, floats.order());
            assertEquals(4f, floats.getFloat(12));
            overwriteFirstFloat(checkpoint.info("w"), 42f);
            assertEquals(42f, floats.getFloat(0), "a view of the file sees writes to it; a copy would not");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void float32OfAHalfPrecisionTensorIsANewDirectBuffer(DType dtype) throws IOException {
        SafetensorsWriter.writeSingle(dir, List.of(new Tensor("w", new long[] {3}, new float[] {1, 2, 3})), dtype);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            ByteBuffer floats = checkpoint.float32("w");
            assertTrue(floats.isDirect());
            assertEquals(ByteOrder.LITTLE_ENDIAN, floats.order());
            assertEquals(12, floats.remaining());
            assertEquals(3f, floats.getFloat(8));
            overwriteFirstFloat(checkpoint.info("w"), 42f);
            assertEquals(1f, floats.getFloat(0));
        }
    }

    private static void overwriteFirstFloat(TensorInfo info, float value) throws IOException {
        try (FileChannel channel = FileChannel.open(info.file(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value), info.dataOffset());
        }
    }

    @Test
    void describesItsTensors() {
        SafetensorsWriter.writeSharded(dir, List.of(
                new Tensor("z", new long[] {2, 3}, new float[6]),
                new Tensor("a", new long[] {4}, new float[4])), DType.BF16, 8);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(dir, checkpoint.directory());
            assertEquals(List.of("a", "z"), List.copyOf(checkpoint.names()));
            assertTrue(checkpoint.contains("z"));
            assertFalse(checkpoint.contains("y"));
            TensorInfo z = checkpoint.info("z");
            assertEquals(DType.BF16, z.dtype());
            assertArrayEquals(new long[] {2, 3}, z.shape());
            assertEquals(12, z.byteLength());
            assertEquals(dir.resolve("model-00001-of-00002.safetensors"), z.file());
            assertEquals(dir.resolve("model-00002-of-00002.safetensors"), checkpoint.info("a").file());
        }
    }

    @Test
    void aMissingTensorIsNamedWithTheCheckpoint() {
        SafetensorsWriter.writeSingle(dir, List.of(new Tensor("w", new long[] {1}, new float[1])), DType.F32);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            for (Function<String, ?> read : List.<Function<String, ?>>of(checkpoint::info, checkpoint::rawBytes, checkpoint::float32)) {
                MissingTensorException e = assertThrows(MissingTensorException.class, () -> read.apply("lm_head.weight"));
                assertEquals("lm_head.weight", e.tensorName());
                assertMentions(e, dir.toString(), "'lm_head.weight'");
            }
        }
    }

    @Test
    void opensTheOnlySafetensorsFileOfADirectory() {
        SafetensorsWriter.write(dir.resolve("weights.safetensors"), List.of(new Tensor("w", new long[] {1}, new float[] {7})),
                DType.F32, Map.of());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(7f, checkpoint.float32("w").getFloat(0));
        }
    }

    @Test
    void prefersModelSafetensorsOverOtherFiles() {
        SafetensorsWriter.write(dir.resolve("other.safetensors"), List.of(new Tensor("other", new long[] {1}, new float[1])),
                DType.F32, Map.of());
        SafetensorsWriter.writeSingle(dir, List.of(new Tensor("w", new long[] {1}, new float[1])), DType.F32);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of("w"), List.copyOf(checkpoint.names()));
        }
    }

    @Test
    void aDirectoryWithoutSafetensorsIsNoCheckpoint() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.open(dir));
        assertMentions(e, dir.toString(), "no *.safetensors");
        assertEquals(dir, e.path());
    }

    @Test
    void aMissingDirectoryIsNoCheckpoint() {
        Path missing = dir.resolve("absent");
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.open(missing));
        assertMentions(e, missing.toString(), "missing");
    }

    @Test
    void severalSafetensorsFilesWithoutAnIndexAreAmbiguous() {
        for (String name : List.of("a.safetensors", "b.safetensors")) {
            SafetensorsWriter.write(dir.resolve(name), List.of(new Tensor("w", new long[] {1}, new float[1])), DType.F32, Map.of());
        }
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.open(dir));
        assertMentions(e, dir.toString(), "a.safetensors", "b.safetensors", "model.safetensors.index.json");
    }

    @Test
    void closingReleasesTheFilesButNotTheBuffersAlreadyTaken() {
        SafetensorsWriter.writeSharded(dir, List.of(
                new Tensor("a", new long[] {1}, new float[] {1}),
                new Tensor("b", new long[] {1}, new float[] {2})), DType.F32, 4);
        Checkpoint checkpoint = Checkpoint.open(dir);
        ByteBuffer a = checkpoint.float32("a");
        checkpoint.close();
        assertThrows(IllegalStateException.class, () -> checkpoint.rawBytes("a"));
        assertThrows(IllegalStateException.class, () -> checkpoint.float32("b"));
        assertEquals(1f, a.getFloat(0));
    }

    private void assertReadsBack(List<Tensor> tensors, DType dtype) {
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(tensors.stream().map(Tensor::name).sorted().toList(), List.copyOf(checkpoint.names()));
            for (Tensor tensor : tensors) {
                TensorInfo info = checkpoint.info(tensor.name());
                assertEquals(dtype, info.dtype());
                assertArrayEquals(tensor.shape(), info.shape());
                float[] expected = new float[tensor.data().length];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = rounded(tensor.data()[i], dtype);
                }
                assertFloatsEqual(expected, floats(checkpoint.float32(tensor.name())), tensor.name());
            }
        }
    }

    private static void assertValues(Path checkpointDir, float[] expected) {
        try (Checkpoint checkpoint = Checkpoint.open(checkpointDir)) {
            assertFloatsEqual(expected, floats(checkpoint.float32("v")), checkpointDir.toString());
        }
    }

    /** Bit-exact equality, so that -0.0 differs from 0.0, with every NaN alike. */
    private static void assertFloatsEqual(float[] expected, float[] actual, String what) {
        assertArrayEquals(bits(expected), bits(actual), what);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToIntBits(values[i]);
        }
        return bits;
    }

    private static float rounded(float value, DType dtype) {
        return switch (dtype) {
            case F32 -> value;
            case BF16 -> SafetensorsWriter.roundToBf16(value);
            case F16 -> SafetensorsWriter.roundToF16(value);
        };
    }

    /** Tensors spanning several write buffers and conversion chunks, plus a scalar, an empty tensor and the special values. */
    private static List<Tensor> randomTensors() {
        Random random = new Random(42);
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor("model.embed_tokens.weight", new long[] {600, 1000}, gaussian(random, 600_000, 0.02f)));
        for (int layer = 0; layer < 3; layer++) {
            tensors.add(new Tensor("model.layers." + layer + ".mlp.experts.0.down_proj.weight", new long[] {64, 96},
                    gaussian(random, 64 * 96, 1e-3f)));
            tensors.add(new Tensor("model.layers." + layer + ".input_layernorm.weight", new long[] {64},
                    gaussian(random, 64, 100f)));
        }
        tensors.add(new Tensor("scale", new long[] {}, new float[] {0.125f}));
        tensors.add(new Tensor("empty", new long[] {0, 8}, new float[0]));
        tensors.add(new Tensor("special", new long[] {SPECIAL_VALUES.length}, SPECIAL_VALUES));
        return tensors;
    }

    private static float[] gaussian(Random random, int count, float scale) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static float[] floats(ByteBuffer buffer) {
        FloatBuffer view = buffer.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] values = new float[view.remaining()];
        view.get(values);
        return values;
    }

    private static short[] shorts(ByteBuffer buffer) {
        var view = buffer.asShortBuffer();
        short[] values = new short[view.remaining()];
        view.get(values);
        return values;
    }
}
