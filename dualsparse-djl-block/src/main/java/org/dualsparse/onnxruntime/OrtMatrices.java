package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.onnx.Onnx.ModelProto;

/**
 * The ONNX Runtime backend: each weight matrix becomes one session whose graph multiplies by it
 * ({@link MatrixGraphs}), float32 as loaded or quantized at load ({@link BlockQuantizer}). The
 * session owns the weight, so the float32 array it was made from can be freed ({@link
 * #keepsArrays()} is false). The backend owns its sessions: {@link #close()} ends every one it
 * made (a model's loader ties that to the model's manager).
 */
public final class OrtMatrices implements MatrixBackend, AutoCloseable {

    /** MatMulNBits' int8-compute level: activations are quantized per block, the fast MLAS kernels. */
    public static final int INT8_COMPUTE = 4;

    private final WeightFormat format;
    private final Quantization quantization;
    private final int accuracyLevel;
    private final List<OrtMatrix> made = new ArrayList<>();
    private WeightCache cache;

    /**
     * @param quantization how {@code format}'s bits are laid out; ignored for {@link WeightFormat#F32}
     * @param accuracyLevel MatMulNBits' {@code accuracy_level}: {@value #INT8_COMPUTE}, or 1 to compute in float32
     */
    public OrtMatrices(WeightFormat format, Quantization quantization, int accuracyLevel) {
        if (format.quantized() && quantization.bits() != format.bits()) {
            throw new IllegalArgumentException(format + " weights need " + format.bits() + "-bit quantization, not " + quantization.bits());
        }
        this.format = format;
        this.quantization = quantization;
        this.accuracyLevel = accuracyLevel;
    }

    /** {@code format} with blocks of {@value Quantization#DEFAULT_BLOCK_SIZE}, symmetric, computed in int8. */
    public static OrtMatrices of(WeightFormat format) {
        return new OrtMatrices(format, Quantization.of(format, Quantization.DEFAULT_BLOCK_SIZE, true), INT8_COMPUTE);
    }

    public WeightFormat format() {
        return format;
    }

    public Quantization quantization() {
        return quantization;
    }

    /** Bytes of the weights of this backend's open sessions: the size of the model's matrices as stored. */
    public synchronized long weightBytes() {
        return made.stream().filter(OrtMatrix::open).mapToLong(OrtMatrix::bytes).sum();
    }

    /**
     * Reads the matrices made from now on from {@code cache}, or writes them to it, in the order
     * they are asked for; null stops. A load sets it for the checkpoint's matrices only: those a
     * later step makes from reordered weights (DualSparse partitioning) are never cached.
     */
    public synchronized void caching(WeightCache cache) {
        this.cache = cache;
    }

    @Override
    public boolean keepsArrays() {
        return false;
    }

    @Override
    public WeightMatrix matrix(NDArray stack, int index, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        try (NDManager scratch = stack.getManager().newSubManager()) {
            NDArray region = stack.get(scratch, regionIndex(index, rowFrom, rowTo, columnFrom, columnTo));
            return matrix(region, stack.getName());
        }
    }

    @Override
    public String toString() {
        return "onnxruntime " + format + (format.quantized()
                ? " (blocks of " + quantization.blockSize() + (quantization.symmetric() ? ", symmetric)" : ", zero points)")
                : "");
    }

    private static NDIndex regionIndex(int index, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        String rows = rowFrom + ":" + rowTo + ", " + columnFrom + ":" + columnTo;
        return new NDIndex(index >= 0 ? index + ", " + rows : rows);
    }

    private synchronized WeightMatrix matrix(NDArray weight, String name) {
        if (weight.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("weight " + name + " is " + weight.getDataType() + ", not float32");
        }
        long outputs = weight.getShape().get(0);
        long inputs = weight.getShape().get(1);
        String what = (name == null ? "a weight" : name) + " [" + outputs + ", " + inputs + "] as " + format;
        if (cache != null && cache.reading()) {
            WeightCache.Entry cached = cache.next(outputs, inputs);
            return track(new OrtMatrix(OrtRuntime.session(cached.model(), what), outputs, inputs, cached.packedBytes()));
        }
        // Over the tensor's memory when it is contiguous, else over a contiguous copy in the scratch manager.
        FloatBuffer values = weight.toByteBuffer(true).asFloatBuffer();
        ModelProto graph;
        long bytes;
        if (format.quantized()) {
            QuantizedMatrix q = BlockQuantizer.quantize(values, Math.toIntExact(outputs), Math.toIntExact(inputs), quantization);
            graph = MatrixGraphs.matMulNBits(q, accuracyLevel);
            bytes = q.bytes();
        } else {
            graph = MatrixGraphs.gemm(values, outputs, inputs);
            bytes = 4 * outputs * inputs;
        }
        byte[] serialized = graph.toByteArray();
        if (cache != null) {
            cache.add(outputs, inputs, bytes, serialized);
        }
        return track(new OrtMatrix(OrtRuntime.session(serialized, what), outputs, inputs, bytes));
    }

    private OrtMatrix track(OrtMatrix matrix) {
        made.removeIf(m -> !m.open());
        made.add(matrix);
        return matrix;
    }

    /** Sessions this backend made and has not closed: one per weight matrix of its model. */
    public synchronized int sessions() {
        return Math.toIntExact(made.stream().filter(OrtMatrix::open).count());
    }

    /** Ends every session this backend made that is still open. */
    @Override
    public synchronized void close() {
        made.forEach(OrtMatrix::release);
        made.clear();
    }
}
