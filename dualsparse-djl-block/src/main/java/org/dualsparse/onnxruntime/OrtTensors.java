package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** ONNX Runtime tensors over libtorch memory: the tensor reads and writes the array's own buffer. */
final class OrtTensors {

    private OrtTensors() {}

    /** Rows {@code [from, to)} of a row-major {@code [*, columns]} float32 matrix in the direct buffer {@code matrix}. */
    static OnnxTensor rows(ByteBuffer matrix, long from, long to, long columns) throws OrtException {
        ByteBuffer slice = matrix.duplicate()
                .position(Math.toIntExact(4 * from * columns))
                .limit(Math.toIntExact(4 * to * columns))
                .slice()
                .order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(OrtRuntime.environment(), slice.asFloatBuffer(), new long[] {to - from, columns});
    }

    /** The whole of {@code array}, a contiguous float32 matrix: ORT writes into it when it is a pre-bound output. */
    static OnnxTensor whole(NDArray array) throws OrtException {
        return rows(array.toByteBuffer(true), 0, array.getShape().get(0), array.getShape().get(1));
    }
}
