package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.checkpoint.TensorInfo;
import org.dualsparse.checkpoint.UnexpectedTensorException;

/**
 * Weights read from a safetensors checkpoint. Float32 tensors are wrapped in place over the
 * memory-mapped file (no copy); bf16 and f16 tensors are widened to float32 once, off-heap. Every
 * tensor is checked against the shape the config implies, and {@link #requireAllUsed()} rejects
 * a checkpoint holding tensors the model does not use.
 */
public final class CheckpointWeights implements WeightSource {

    /** Buffers HF writes that carry no weights (RoPE tables recomputed from the config). */
    private static final Pattern IGNORED = Pattern.compile(".*\\.rotary_emb\\.inv_freq");

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Set<String> used = new HashSet<>();

    public CheckpointWeights(Checkpoint checkpoint, NDManager manager) {
        this.checkpoint = checkpoint;
        this.manager = manager;
    }

    @Override
    public NDArray load(String name, long... shape) {
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ShapeMismatchException(checkpoint.directory(), name, shape, info.shape());
        }
        used.add(name);
        NDArray array = manager.create(checkpoint.float32(name), new Shape(shape), DataType.FLOAT32);
        array.setName(name);
        return array;
    }

    @Override
    public NDManager manager() {
        return manager;
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
}
