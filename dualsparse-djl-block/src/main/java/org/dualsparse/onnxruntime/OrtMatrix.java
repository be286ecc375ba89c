package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import org.dualsparse.nn.WeightMatrix;

/**
 * One weight matrix held by an ONNX Runtime session. Activations cross without copies: the input
 * tensor is a direct buffer over the libtorch array's memory, and ORT writes the product straight
 * into a libtorch array made for it in the activations' manager (a pre-bound output).
 */
final class OrtMatrix implements WeightMatrix, OrtWeights {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final long outputs;
    private final long inputs;
    private final long bytes;
    private boolean released;

    OrtMatrix(OrtSession session, long outputs, long inputs, long bytes) {
        this.env = OrtRuntime.environment();
        this.session = session;
        this.outputs = outputs;
        this.inputs = inputs;
        this.bytes = bytes;
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
    public long bytes() {
        return bytes;
    }

    @Override
    public synchronized boolean open() {
        return !released;
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
        try (OnnxTensor in = OnnxTensor.createTensor(env, rows.toByteBuffer(true).asFloatBuffer(), new long[] {m, inputs});
                OnnxTensor out = OnnxTensor.createTensor(env, product.toByteBuffer(true).asFloatBuffer(), new long[] {m, outputs})) {
            OrtRuntime.run(session, Map.of(MatrixGraphs.INPUT, in), Map.of(MatrixGraphs.OUTPUT, out));
            return product;
        } catch (OrtException e) {
            product.close();
            throw new OnnxRuntimeException("ONNX Runtime failed on a [" + m + ", " + inputs + "] x [" + outputs + ", " + inputs + "]ᵀ product", e);
        }
    }

    /** Ends the session; a second call does nothing. */
    @Override
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        OrtRuntime.close(session);
    }
}
