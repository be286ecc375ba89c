package org.dualsparse.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CheckpointExceptionTest {

    private static final Path CHECKPOINT = Path.of("/models/olmoe");

    @Test
    void shapeMismatchNamesTheTensorAndBothShapes() {
        long[] expected = {8, 64};
        ShapeMismatchException e = new ShapeMismatchException(CHECKPOINT, "model.layers.0.mlp.gate.weight",
                expected, new long[] {8, 32});
        assertEquals("/models/olmoe: tensor 'model.layers.0.mlp.gate.weight' has shape [8, 32]"
                + " but the model expects [8, 64]", e.getMessage());
        expected[1] = 0;
        assertArrayEquals(new long[] {8, 64}, e.expected());
        assertArrayEquals(new long[] {8, 32}, e.actual());
        assertEquals("model.layers.0.mlp.gate.weight", e.tensorName());
        assertEquals(CHECKPOINT, e.path());
    }

    @Test
    void unexpectedTensorsAreAllKeptButOnlyTheFirstTenListed() {
        List<String> names = IntStream.range(0, 12).mapToObj(i -> "extra." + i).toList();
        UnexpectedTensorException e = new UnexpectedTensorException(CHECKPOINT, names);
        assertEquals(names, e.tensorNames());
        assertEquals("/models/olmoe: 12 tensor(s) the model does not use: extra.0, extra.1, extra.2, extra.3,"
                + " extra.4, extra.5, extra.6, extra.7, extra.8, extra.9 and 2 more", e.getMessage());
    }

    @Test
    void missingTensorNamesTheTensor() {
        MissingTensorException e = new MissingTensorException(CHECKPOINT, "lm_head.weight");
        assertEquals("/models/olmoe: no tensor 'lm_head.weight'", e.getMessage());
    }

    @Test
    void dtypesParseOnlyTheirSafetensorsNames() {
        assertEquals(DType.F32, DType.parse("F32", "w", CHECKPOINT));
        assertEquals(DType.BF16, DType.parse("BF16", "w", CHECKPOINT));
        assertEquals(DType.F16, DType.parse("F16", "w", CHECKPOINT));
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(2, DType.F16.byteSize());
        UnsupportedDtypeException e = assertThrows(UnsupportedDtypeException.class, () -> DType.parse("I64", "ids", CHECKPOINT));
        assertEquals("/models/olmoe: tensor 'ids' has dtype I64; supported: F32, BF16, F16", e.getMessage());
    }
}
