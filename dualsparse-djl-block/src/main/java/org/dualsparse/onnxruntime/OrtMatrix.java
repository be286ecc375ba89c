package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import org.dualsparse.nn.WeightMatrix;

/**
 * One weight matrix held by an ONNX Runtime session. The input tensor is a direct buffer over the
 * libtorch array's memory, or over a contiguous copy when that memory is not contiguous ({@link
 * #times} transposes its argument: contiguous when the argument came elementwise from this
 * backend's transposed products, as in the experts, not when it is row-major with more than one
 * column). ORT writes the product straight into a libtorch array made for it in the activations'
 * manager (a pre-bound output). A buffer holds at most 2 GiB, so a product whose input or output
 * would hold more (full logits of a long prompt over a large vocabulary) runs in chunks of rows,
 * each over its rows of the same two arrays.
 */
final class OrtMatrix extends OrtWeights implements WeightMatrix {

    /** The most bytes one tensor crossing to ORT may hold: a direct buffer's capacity, DJL's limit. */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;

    private final long outputs;
    private final long inputs;
    private final long chunkRows;

    OrtMatrix(CompletableFuture<OrtSession> session, long outputs, long inputs, long bytes) {
        this(session, outputs, inputs, bytes, MAX_TENSOR_BYTES);
    }

    /**
     * @param maxTensorBytes the most bytes the input or output tensor of one run may hold: a
     *     product beyond it runs in chunks of rows within it (a row wider than it runs alone)
     */
    OrtMatrix(CompletableFuture<OrtSession> session, long outputs, long inputs, long bytes, long maxTensorBytes) {
        super(session, bytes);
        this.outputs = outputs;
        this.inputs = inputs;
        this.chunkRows = Math.max(1, maxTensorBytes / (Float.BYTES * Math.max(inputs, outputs)));
    }

    @Override
    public long outputs() {
        return outputs;
    }

    @Override
    public long inputs() {
        return inputs;
    }

    @Override
    public NDArray linear(NDArray x) {
        Shape shape = x.getShape();
        if (shape.getLastDimension() != inputs) {
            throw new IllegalArgumentException("a [" + outputs + ", " + inputs + "] weight cannot multiply " + shape);
        }
        long rows = shape.size() / inputs;
        NDArray product = rows(x.reshape(rows, inputs));
        return product.reshape(shape.slice(0, shape.dimension() - 1).add(outputs));
    }

    @Override
    public NDArray linear(NDArray x, NDArray bias) {
        return linear(x).addi(bias);
    }

    @Override
    public NDArray timesTransposed(NDArray rows) {
        return rows(rows).transpose();
    }

    @Override
    public NDArray times(NDArray columns) {
        return rows(columns.transpose()).transpose();
    }

    /** {@code rows [M, inputs] · Wᵀ}, {@code [M, outputs]}, in {@code rows}' manager. */
    private NDArray rows(NDArray rows) {
        long m = rows.getShape().get(0);
        NDArray product = rows.getManager().create(new Shape(m, outputs), DataType.FLOAT32);
        try {
            if (m <= chunkRows) {
                run(rows, product, m);
                return product;
            }
            for (long from = 0; from < m; from += chunkRows) {
                long to = Math.min(m, from + chunkRows);
                // Views of the chunk's rows (a contiguous copy of a non-contiguous input's), freed with the chunk.
                try (NDManager chunk = rows.getManager().newSubManager()) {
                    NDIndex range = new NDIndex().addSliceDim(from, to);
                    run(rows.get(chunk, range), product.get(chunk, range), to - from);
                }
            }
            return product;
        } catch (OrtException e) {
            product.close();
            throw new OnnxRuntimeException("ONNX Runtime failed on a [" + m + ", " + inputs + "] x [" + outputs + ", " + inputs + "]ᵀ product", e);
        }
    }

    /** {@code rows [m, inputs] · Wᵀ} written into {@code product [m, outputs]}, a contiguous array or view. */
    private void run(NDArray rows, NDArray product, long m) throws OrtException {
        try (OnnxTensor in = OrtTensors.whole(rows); OnnxTensor out = OrtTensors.whole(product)) {
            OrtRuntime.run(session(), Map.of(MatrixGraphs.INPUT, in), Map.of(MatrixGraphs.OUTPUT, out));
        }
    }
}
