package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.WeightMatrix;

/**
 * The ONNX Runtime backend: each weight matrix becomes one session whose graph multiplies by it
 * ({@link MatrixGraphs}), and each routed expert one session that runs all of it ({@link
 * ExpertGraphs}), float32 as loaded or quantized at load ({@link BlockQuantizer}). The
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
    private final List<OrtWeights> made = new ArrayList<>();
    private WeightCache cache;
    private SessionMaker maker;

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
        return made.stream().filter(OrtWeights::open).mapToLong(OrtWeights::bytes).sum();
    }

    /**
     * Reads the matrices made from now on from {@code cache}, or writes them to it, in the order
     * they are asked for; null stops, once every session read from the cache is made (their
     * making runs on every core while the load goes on). A load sets it for the checkpoint's
     * matrices only: those a later step makes from reordered weights (DualSparse partitioning)
     * are never cached.
     *
     * @throws OnnxRuntimeException when stopping, if ONNX Runtime refused a cached graph
     */
    public synchronized void caching(WeightCache cache) {
        if (maker != null) {
            maker.close();
            maker = null;
            made.forEach(OrtWeights::session);
        }
        this.cache = cache;
        if (cache != null && cache.reading()) {
            maker = new SessionMaker(Runtime.getRuntime().availableProcessors());
        }
    }

    @Override
    public boolean keepsArrays() {
        return false;
    }

    @Override
    public synchronized boolean readsValues() {
        return cache == null || !cache.reading();
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
            return track(new OrtMatrix(maker.make(cached.model(), what), outputs, inputs, cached.packedBytes()));
        }
        // Over the tensor's memory when it is contiguous, else over a contiguous copy in the scratch manager.
        MatrixGraphs.Product product = product(weight.toByteBuffer(true).asFloatBuffer(), outputs, inputs);
        byte[] serialized = MatrixGraphs.single(product).toByteArray();
        if (cache != null) {
            cache.add(outputs, inputs, product.bytes(), serialized);
        }
        return track(new OrtMatrix(madeHere(serialized, what), outputs, inputs, product.bytes()));
    }

    /**
     * One session per expert ({@link ExpertGraphs}): its gate/up, SwiGLU and down, major and minor
     * neurons, in one call. The major and the minor neurons are packed apart, so a major-only row
     * reads only the major weights; a gate/up product's rows are reordered to its neurons' gates,
     * then their ups (rows move whole, so a quantized row is the same either way).
     */
    @Override
    public synchronized ExpertKernel expert(NDArray gateUp, NDArray down, int index, SwiGluLayout layout) {
        long hidden = gateUp.getShape().getLastDimension();
        String what = (gateUp.getName() == null ? "an expert" : gateUp.getName() + " expert " + index) + " of " + layout.neurons()
                + " neurons [" + hidden + "] as " + format;
        if (cache != null && cache.reading()) {
            WeightCache.Entry cached = cache.next(hidden, layout.neurons());
            return track(new OrtExpert(maker.make(cached.model(), what), layout, hidden, cached.packedBytes()));
        }
        float[] gateUpValues;
        float[] downValues;
        try (NDManager scratch = gateUp.getManager().newSubManager()) {
            gateUpValues = gateUp.get(scratch, new NDIndex(index)).toFloatArray();
            downValues = down.get(scratch, new NDIndex(index)).toFloatArray();
        }
        int a = layout.majorNeurons();
        int all = layout.neurons();
        MatrixGraphs.Product gateUpMajor = product(gatesThenUps(gateUpValues, layout, 0, a, hidden), 2L * a, hidden);
        MatrixGraphs.Product downMajor = product(columns(downValues, all, 0, a), hidden, a);
        MatrixGraphs.Product gateUpMinor = null;
        MatrixGraphs.Product downMinor = null;
        long bytes = gateUpMajor.bytes() + downMajor.bytes();
        if (layout.hasMinor()) {
            gateUpMinor = product(gatesThenUps(gateUpValues, layout, a, all, hidden), 2L * (all - a), hidden);
            downMinor = product(columns(downValues, all, a, all), hidden, all - a);
            bytes += gateUpMinor.bytes() + downMinor.bytes();
        }
        byte[] serialized = ExpertGraphs.swiGlu(gateUpMajor, downMajor, gateUpMinor, downMinor).toByteArray();
        if (cache != null) {
            cache.add(hidden, all, bytes, serialized);
        }
        return track(new OrtExpert(madeHere(serialized, what), layout, hidden, bytes));
    }

    /** The weight {@code [outputs, inputs]} in this backend's format, quantized here if it is one. */
    private MatrixGraphs.Product product(FloatBuffer values, long outputs, long inputs) {
        if (format.quantized()) {
            QuantizedMatrix q = BlockQuantizer.quantize(values, Math.toIntExact(outputs), Math.toIntExact(inputs), quantization);
            return MatrixGraphs.quantized(q, accuracyLevel);
        }
        return MatrixGraphs.float32(values, outputs, inputs);
    }

    /** Rows of {@code gateUp [2I, d]}: the gates of neurons {@code [from, to)}, then their ups. */
    private static FloatBuffer gatesThenUps(float[] gateUp, SwiGluLayout layout, int from, int to, long hidden) {
        int d = Math.toIntExact(hidden);
        int neurons = to - from;
        float[] rows = new float[2 * neurons * d];
        for (int n = from; n < to; n++) {
            System.arraycopy(gateUp, layout.gateRow(n) * d, rows, (n - from) * d, d);
            System.arraycopy(gateUp, layout.upRow(n) * d, rows, (neurons + n - from) * d, d);
        }
        return FloatBuffer.wrap(rows);
    }

    /** Columns {@code [from, to)} of the row-major {@code matrix} of {@code width} columns. */
    private static FloatBuffer columns(float[] matrix, int width, int from, int to) {
        int rows = matrix.length / width;
        float[] out = new float[rows * (to - from)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(matrix, r * width + from, out, r * (to - from), to - from);
        }
        return FloatBuffer.wrap(out);
    }

    private <T extends OrtWeights> T track(T weights) {
        made.removeIf(m -> !m.open());
        made.add(weights);
        return weights;
    }

    /** Sessions this backend made and has not closed: one per weight matrix of its model. */
    public synchronized int sessions() {
        return Math.toIntExact(made.stream().filter(OrtWeights::open).count());
    }

    /** Ends every session this backend made that is still open, waiting for those in the making. */
    @Override
    public synchronized void close() {
        if (maker != null) {
            maker.close();
            maker = null;
        }
        made.forEach(OrtWeights::release);
        made.clear();
    }

    /** The session of a graph made by this load, made on the calling thread. */
    private static CompletableFuture<OrtSession> madeHere(byte[] model, String what) {
        return CompletableFuture.completedFuture(OrtRuntime.session(model, what));
    }
}
