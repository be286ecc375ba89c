package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.checkpoint.TensorInfo;
import org.dualsparse.checkpoint.UnexpectedTensorException;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightSource;

/**
 * Weights read from a safetensors checkpoint. A float32 tensor loaded on its own for a backend
 * that keeps its arrays is wrapped in place over the memory-mapped file (no copy). Everything
 * else is read (not mapped) and copied exactly once into libtorch-owned memory: through one
 * reusable off-heap scratch buffer, 16-bit tensors widened on the way, and concatenated tensors
 * (stacked experts) written straight into their slot of the result. Every tensor is checked against the shape the config implies, and {@link
 * #requireAllUsed()} rejects a checkpoint holding tensors the model does not use.
 */
public final class CheckpointWeights implements WeightSource, AutoCloseable {

    /** Buffers HF writes that carry no weights (RoPE tables recomputed from the config). */
    private static final Pattern IGNORED = Pattern.compile(".*\\.rotary_emb\\.inv_freq");

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final MatrixBackend backend;
    private final Set<String> used = new HashSet<>();
    private ByteBuffer scratch = ByteBuffer.allocateDirect(0);

    public CheckpointWeights(Checkpoint checkpoint, NDManager manager) {
        this(checkpoint, manager, TorchMatrices.BACKEND);
    }

    /** Weights whose matrices {@code backend} makes. */
    public CheckpointWeights(Checkpoint checkpoint, NDManager manager, MatrixBackend backend) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.backend = backend;
    }

    @Override
    public NDArray load(String name, long... shape) {
        TensorInfo info = checked(name, shape);
        NDArray array;
        if (info.dtype() == DType.F32 && backend.keepsArrays()) {
            array = manager.create(checkpoint.rawBytes(name), new Shape(shape), DataType.FLOAT32);
        } else {
            try (NDArray widened = widened(name, shape)) {
                array = widened.duplicate();
            }
        }
        array.setName(name);
        return array;
    }

    /**
     * While the backend reads its matrices from its cache, the parts are only checked and the
     * array comes back unfilled: a cached load of a checkpoint's experts reads the cache, not the
     * checkpoint.
     */
    @Override
    public NDArray loadConcatenated(List<String> names, long[] partShape, long... shape) {
        if (!backend.readsValues()) {
            names.forEach(name -> checked(name, partShape));
            return manager.create(new Shape(shape), DataType.FLOAT32);
        }
        return StackedParts.fill(manager, names, partShape, shape, name -> {
            checked(name, partShape);
            return widened(name, partShape);
        });
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public MatrixBackend backend() {
        return backend;
    }

    /** Opens the checkpoint's folder again for the call: the one read for loading is closed once the model is built. */
    @Override
    public <T> T reload(NDManager into, Function<WeightSource, T> use) {
        try (Checkpoint again = Checkpoint.open(checkpoint.directory())) {
            return use.apply(new CheckpointWeights(again, into, backend));
        }
    }

    /**
     * Lets go of the scratch buffer (as large as the largest tensor read): the source outlives the
     * load in its {@link #reload} closures, which open the checkpoint afresh.
     */
    @Override
    public void close() {
        scratch = ByteBuffer.allocateDirect(0);
    }

    /** Throws {@link UnexpectedTensorException} naming every tensor no block loaded. */
    public void requireAllUsed() {
        List<String> unused = new ArrayList<>();
        for (String name : checkpoint.names()) {
            if (!used.contains(name) && !IGNORED.matcher(name).matches()) {
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            throw new UnexpectedTensorException(checkpoint.directory(), unused);
        }
    }

    private TensorInfo checked(String name, long[] shape) {
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ShapeMismatchException(checkpoint.directory(), name, shape, info.shape());
        }
        used.add(name);
        return info;
    }

    /** The tensor as float32 over the scratch buffer (read from the file, widened if 16-bit), valid until the next call. */
    private NDArray widened(String name, long[] shape) {
        long bytes = new Shape(shape).size() * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " needs " + bytes + " bytes as float32, over 2 GiB");
        }
        if (scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer target = scratch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        target.clear().limit((int) bytes);
        checkpoint.float32Into(name, target.asFloatBuffer());
        return manager.create(target.slice().order(ByteOrder.LITTLE_ENDIAN), new Shape(shape), DataType.FLOAT32);
    }
}
