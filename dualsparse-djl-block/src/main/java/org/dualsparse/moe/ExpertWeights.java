package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightSource;

/**
 * The routed experts of one MoE layer in the checkpoint's dense layout: gate and up fused as
 * {@code [E, 2I, d]}, expert by expert the {@code I} gate rows first and then the {@code I} up
 * rows, down as {@code [E, d, I]} ({@link SwiGluLayout#dense}): one {@link ExpertKernel} each.
 */
public final class ExpertWeights extends StackedExperts {

    /** The HF tensor names of one expert's three projections, e.g. Mixtral's w1 / w3 / w2. */
    public record Names(String gate, String up, String down) {
        public static final Names MIXTRAL = new Names("w1", "w3", "w2");
        public static final Names HF = new Names("gate_proj", "up_proj", "down_proj");
    }

    /** Loads the stacked arrays again into a manager: for weights a packing backend freed. */
    @FunctionalInterface
    public interface StackLoader {
        NDArray[] load(NDManager manager);
    }

    private final ExpertKernel[] kernels;
    private final StackLoader loader;

    /** Loads {@code <prefix><e>.<name>.weight} for every expert and stacks them, with {@code w}'s backend. */
    public static ExpertWeights load(WeightSource w, String prefix, Names names, int numExperts, int hiddenSize, int intermediateSize) {
        List<String> gateUps = new ArrayList<>();
        List<String> downs = new ArrayList<>();
        for (int e = 0; e < numExperts; e++) {
            gateUps.add(tensorName(prefix, e, names.gate()));
            gateUps.add(tensorName(prefix, e, names.up()));
            downs.add(tensorName(prefix, e, names.down()));
        }
        Function<WeightSource, NDArray[]> stacks = source -> new NDArray[] {
            source.loadConcatenated(gateUps, new long[] {intermediateSize, hiddenSize}, numExperts, 2L * intermediateSize, hiddenSize),
            source.loadConcatenated(downs, new long[] {hiddenSize, intermediateSize}, numExperts, hiddenSize, intermediateSize)
        };
        NDArray[] loaded = stacks.apply(w);
        return new ExpertWeights(loaded[0], loaded[1], w.backend(), manager -> w.reload(manager, stacks));
    }

    /** The checkpoint name of projection {@code projection} of expert {@code expert}: {@code <prefix><expert>.<projection>.weight}. */
    public static String tensorName(String prefix, int expert, String projection) {
        return prefix + expert + "." + projection + ".weight";
    }

    /**
     * Wraps already stacked weights, multiplied by libtorch as they are.
     *
     * @param gateUp {@code [E, 2I, d]}, gate rows first
     * @param down {@code [E, d, I]}
     */
    public ExpertWeights(NDArray gateUp, NDArray down) {
        this(gateUp, down, TorchMatrices.BACKEND, null);
    }

    /**
     * @param loader loads the stacks again once {@code backend} packed and freed them; null when it keeps them
     */
    public ExpertWeights(NDArray gateUp, NDArray down, MatrixBackend backend, StackLoader loader) {
        super(gateUp, down, backend);
        this.loader = loader;
        kernels = new ExpertKernel[numExperts()];
        SwiGluLayout layout = SwiGluLayout.dense(intermediateSize());
        for (int e = 0; e < numExperts(); e++) {
            kernels[e] = backend.expert(gateUp, down, e, layout);
        }
        matricesMade();
    }

    /** Expert {@code e}, every neuron major. */
    public ExpertKernel kernel(int e) {
        return kernels[e];
    }

    /**
     * Runs {@code use} on the stacked float32 arrays, gate/up {@code [E, 2I, d]} (gate rows first)
     * and down {@code [E, d, I]}: the model's own while it holds them, else loaded again into
     * {@code manager} for the call and freed after it.
     */
    public <T> T withStacks(NDManager manager, BiFunction<NDArray, NDArray, T> use) {
        if (gateUpArray() != null) {
            return use.apply(gateUpArray(), downArray());
        }
        if (loader == null) {
            throw new IllegalStateException("the experts' weights were packed by " + backend() + " and cannot be loaded again");
        }
        NDArray[] stacks = loader.load(manager);
        try {
            return use.apply(stacks[0], stacks[1]);
        } finally {
            stacks[0].close();
            stacks[1].close();
        }
    }

    @Override
    protected void releaseMatrices() {
        for (ExpertKernel kernel : kernels) {
            kernel.release();
        }
    }
}
