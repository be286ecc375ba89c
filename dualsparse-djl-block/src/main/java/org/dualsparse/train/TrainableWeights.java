package org.dualsparse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.model.RandomWeights;
import org.dualsparse.model.StackedParts;
import org.dualsparse.nn.WeightSource;

/**
 * Freshly initialised weights for training, remembered by HF tensor name so the trained model can
 * be written back as a checkpoint. Matrices start as N(0, std²) (GPT-2's 0.02 by default), norm
 * weights as 1, biases as 0; each tensor's values depend only on the seed and its name.
 */
public final class TrainableWeights implements WeightSource {

    /** One array handed to the model and the HF tensors it holds back to back. */
    private record Binding(NDArray array, List<String> names, long[] partShape) {}

    private final NDManager manager;
    private final long seed;
    private final double std;
    private final List<Binding> bindings = new ArrayList<>();

    public TrainableWeights(NDManager manager, long seed, double std) {
        this.manager = manager;
        this.seed = seed;
        this.std = std;
    }

    @Override
    public NDArray load(String name, long... shape) {
        NDArray array = manager.create(initial(name, shape), new Shape(shape));
        bindings.add(new Binding(array, List.of(name), shape.clone()));
        return array;
    }

    @Override
    public NDArray loadConcatenated(List<String> names, long[] partShape, long... shape) {
        NDArray array = StackedParts.fill(manager, names, partShape, shape,
                name -> manager.create(initial(name, partShape), new Shape(partShape)));
        bindings.add(new Binding(array, List.copyOf(names), partShape.clone()));
        return array;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /** The current values of every tensor, under its HF name, in load order. */
    public List<SafetensorsWriter.Tensor> tensors() {
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (Binding binding : bindings) {
            float[] values = binding.array().toFloatArray();
            int partSize = Math.toIntExact(new Shape(binding.partShape()).size());
            for (int i = 0; i < binding.names().size(); i++) {
                float[] part = new float[partSize];
                System.arraycopy(values, i * partSize, part, 0, partSize);
                tensors.add(new SafetensorsWriter.Tensor(binding.names().get(i), binding.partShape(), part));
            }
        }
        return tensors;
    }

    private float[] initial(String name, long[] shape) {
        float[] data = new float[Math.toIntExact(new Shape(shape).size())];
        if (name.endsWith("norm.weight")) {
            Arrays.fill(data, 1f);
        } else if (!name.endsWith(".bias")) {
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (std * RandomWeights.gaussian(random));
            }
        }
        return data;
    }
}
