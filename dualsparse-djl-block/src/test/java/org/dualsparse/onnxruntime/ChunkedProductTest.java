package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.concurrent.CompletableFuture;
import org.dualsparse.nn.TorchEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A product whose input or output would exceed what one tensor may hold crossing to ONNX Runtime
 * (2 GiB, a direct buffer's capacity: full logits of a long prompt over a large vocabulary) runs
 * in row chunks within it, into the one product array, and equals the product run whole exactly.
 * A small limit stands in for 2 GiB.
 */
class ChunkedProductTest {

    private static final int OUTPUTS = 24;
    private static final int INPUTS = 80;
    private static final int ROWS = 17;
    private static final long ROW_BYTES = (long) Float.BYTES * INPUTS;

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    /** Chunks of 1 row; of 5 (5, 5, 5, 2); of 16 and a last one of 1; a limit under one row still runs row by row. */
    @ParameterizedTest
    @CsvSource({
        "F32, 1", "F32, 5", "F32, 16", "F32, 0",
        "INT8, 1", "INT8, 5", "INT8, 16",
        "INT4, 1", "INT4, 5", "INT4, 16", "INT4, 0"})
    void aProductRunInRowChunksEqualsItRunWhole(WeightFormat format, long chunkRows) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = manager.randomNormal(new Shape(OUTPUTS, INPUTS));
            OrtMatrix whole = matrix(weight, format, OrtMatrix.MAX_TENSOR_BYTES);
            OrtMatrix chunked = matrix(weight, format, Math.max(1, chunkRows * ROW_BYTES));
            NDArray rows = manager.randomNormal(new Shape(ROWS, INPUTS));
            NDArray product = chunked.linear(rows);
            assertEquals(new Shape(ROWS, OUTPUTS), product.getShape());
            assertArrayEquals(whole.linear(rows).toFloatArray(), product.toFloatArray(), "linear");
            assertArrayEquals(whole.timesTransposed(rows).toFloatArray(), chunked.timesTransposed(rows).toFloatArray(), "timesTransposed");
            NDArray columns = rows.transpose().duplicate();
            assertArrayEquals(whole.times(columns).toFloatArray(), chunked.times(columns).toFloatArray(), "times, a transposed input");
            whole.release();
            chunked.release();
        }
    }

    private static OrtMatrix matrix(NDArray weight, WeightFormat format, long maxTensorBytes) {
        FloatBuffer values = weight.toByteBuffer(true).asFloatBuffer();
        MatrixGraphs.Product product = format.quantized()
                ? MatrixGraphs.quantized(
                        BlockQuantizer.quantize(values, OUTPUTS, INPUTS, Quantization.of(format, 32, true)), OrtMatrices.INT8_COMPUTE)
                : MatrixGraphs.float32(values, OUTPUTS, INPUTS);
        byte[] graph = MatrixGraphs.single(product).toByteArray();
        return new OrtMatrix(CompletableFuture.completedFuture(OrtRuntime.session(graph, format + " weight")), OUTPUTS, INPUTS, 0, maxTensorBytes);
    }
}
