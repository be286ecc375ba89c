package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter.EncodedTensor;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightSource;

/**
 * Random weights for any family, whose names and shapes are recorded so they can be written out
 * as a checkpoint. Each tensor's values depend only on the seed and its name, so they are
 * generated again when written instead of being kept on the heap. Scales keep activations of
 * order one through many layers and make routing decisive: norms near 1, biases small, routers
 * sharper than the other projections.
 */
public final class RandomWeights implements WeightSource {

    private record Loaded(String name, long[] shape) {}

    private final NDManager manager;
    private final long seed;
    private final MatrixBackend backend;
    private final boolean valuesAtLoad;
    private final List<Loaded> loaded = new ArrayList<>();
    private ByteBuffer staging = ByteBuffer.allocateDirect(0);

    public RandomWeights(NDManager manager, long seed) {
        this(manager, seed, TorchMatrices.BACKEND);
    }

    /** Random weights whose matrices {@code backend} makes. */
    public RandomWeights(NDManager manager, long seed, MatrixBackend backend) {
        this(manager, seed, backend, true);
    }

    private RandomWeights(NDManager manager, long seed, MatrixBackend backend, boolean valuesAtLoad) {
        this.manager = manager;
        this.seed = seed;
        this.backend = backend;
        this.valuesAtLoad = valuesAtLoad;
    }

    /**
     * Random weights to be written, not run: loads hand out zeros of the right shape and no
     * matrix is kept, so a full-size model's tensors are listed holding one layer at a time; the
     * values are generated when {@link #tensors} are written.
     */
    static RandomWeights forWriting(NDManager manager, long seed) {
        return new RandomWeights(manager, seed, ShapeOnlyMatrices.BACKEND, false);
    }

    @Override
    public NDArray load(String name, long... shape) {
        loaded.add(new Loaded(name, shape.clone()));
        return valuesAtLoad ? manager.create(values(name, shape), new Shape(shape)) : manager.zeros(new Shape(shape));
    }

    /**
     * Parts go through one staging buffer kept for the source's life: DJL frees a tensor's direct
     * buffer only when the collector finds it, and a packing backend loads experts one by one.
     */
    @Override
    public NDArray loadConcatenated(List<String> names, long[] partShape, long... shape) {
        if (!valuesAtLoad) {
            names.forEach(name -> loaded.add(new Loaded(name, partShape.clone())));
            return manager.zeros(new Shape(shape));
        }
        long bytes = new Shape(partShape).size() * Float.BYTES;
        if (staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        }
        return StackedParts.fill(manager, names, partShape, shape, name -> {
            loaded.add(new Loaded(name, partShape.clone()));
            staging.clear();
            staging.asFloatBuffer().put(values(name, partShape));
            return manager.create(staging.slice().limit(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder()),
                    new Shape(partShape), DataType.FLOAT32);
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

    /** The same values again: each tensor's depend only on the seed and its name. */
    @Override
    public <T> T reload(NDManager into, Function<WeightSource, T> use) {
        return use.apply(new RandomWeights(into, seed, backend));
    }

    /** Every tensor handed out so far, in load order, as {@code dtype}; each one's values are generated when it is written. */
    public List<EncodedTensor> tensors(DType dtype) {
        return loaded.stream()
                .map(t -> new EncodedTensor(t.name(), dtype, t.shape(), () -> dtype.encode(values(t.name(), t.shape()))))
                .toList();
    }

    private float[] values(String name, long[] shape) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        float[] data = new float[Math.toIntExact(new Shape(shape).size())];
        boolean norm = name.endsWith("norm.weight");
        boolean bias = name.endsWith(".bias");
        double fanIn = shape.length > 1 ? shape[shape.length - 1] : 1;
        double std;
        if (norm || bias) {
            std = 0.1;
        } else if (name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight")) {
            std = 1.0;
        } else if (name.endsWith("gate.weight")) {
            std = 4.0 / Math.sqrt(fanIn);
        } else {
            std = 1.0 / Math.sqrt(fanIn);
        }
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((norm ? 1.0 : 0.0) + std * gaussian(random));
        }
        return data;
    }

    /** A standard normal draw (Box-Muller), so weights depend on nothing but the seed. */
    public static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
