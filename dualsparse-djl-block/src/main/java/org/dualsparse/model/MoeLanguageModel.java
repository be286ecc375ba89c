package org.dualsparse.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.function.Function;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.config.GenerationConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.decoder.InvalidInputException;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.decoder.TokenBatch;
import org.dualsparse.model.family.FamilyConfig;
import org.dualsparse.model.family.ModelFamily;
import org.dualsparse.model.family.ModelRegistry;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightSource;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.WeightCache;

/**
 * A loaded MoE language model: the DJL {@link Model} holding the block tree and its weights,
 * plus the config it was built from. Forward passes run in a caller-supplied step manager, so
 * no temporary outlives the step.
 */
public final class MoeLanguageModel implements AutoCloseable {

    private final Model model;
    private final CausalLmBlock block;
    private final FamilyConfig config;
    private final String modelType;
    private final GenerationConfig generationConfig;
    private final MatrixBackend backend;

    private MoeLanguageModel(
            Model model, CausalLmBlock block, FamilyConfig config, String modelType, GenerationConfig generationConfig,
            MatrixBackend backend) {
        this.model = model;
        this.block = block;
        this.config = config;
        this.modelType = modelType;
        this.generationConfig = generationConfig;
        this.backend = backend;
    }

    /** Loads the HF checkpoint in {@code dir} ({@code config.json} + safetensors) in float32. */
    public static MoeLanguageModel load(Path dir) {
        return load(dir, LoadOptions.defaults());
    }

    /** Loads the checkpoint in {@code dir} as {@code options} say: the dtype, and the backend that multiplies by the weights. */
    public static MoeLanguageModel load(Path dir, LoadOptions options) {
        if (options.dtype() != LoadOptions.Dtype.F32) {
            throw new UnsupportedOperationException(
                    "dtype " + options.dtype() + " is not supported on DJL 0.35.1's PyTorch engine (its JNI aborts"
                            + " the JVM on BFLOAT16 tensors); load with f32: bf16 and f16 checkpoints widen to f32 exactly");
        }
        HfConfig hf = HfConfig.read(dir.resolve("config.json"));
        ModelFamily<?> family = ModelRegistry.forConfig(hf);
        TorchEngine.get();
        Model model = Model.newInstance(family.modelType(), Device.cpu(), "PyTorch");
        try {
            return load(family, hf, dir, model, options);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Loads the checkpoint in {@code dir} into {@code model}, an empty DJL model created elsewhere
     * (by a {@code Criteria}'s {@code BlockFactory}), and sets its block. The caller keeps
     * ownership of {@code model}.
     */
    public static MoeLanguageModel load(Path dir, Model model) {
        return load(dir, model, LoadOptions.defaults());
    }

    /** {@link #load(Path, Model)} with the backend and weight format {@code options} name. */
    public static MoeLanguageModel load(Path dir, Model model, LoadOptions options) {
        HfConfig hf = HfConfig.read(dir.resolve("config.json"));
        return load(ModelRegistry.forConfig(hf), hf, dir, model, options);
    }

    /**
     * The language model held by {@code model}, whose block {@link #load(Path, Model)} built; its
     * configs are read again from the model's folder.
     */
    public static MoeLanguageModel of(Model model) {
        if (!(model.getBlock() instanceof CausalLmBlock block)) {
            throw new IllegalArgumentException(
                    "model " + model.getName() + " holds no MoE language model block (found " + model.getBlock() + ")");
        }
        Path dir = model.getModelPath();
        HfConfig hf = HfConfig.read(dir.resolve("config.json"));
        return wrap(ModelRegistry.forConfig(hf), hf, model, block, GenerationConfig.read(dir, hf));
    }

    private static <C extends FamilyConfig> MoeLanguageModel load(
            ModelFamily<C> family, HfConfig hf, Path dir, Model model, LoadOptions options) {
        C config = family.parseConfig(hf);
        GenerationConfig generation = GenerationConfig.read(dir, hf);
        TorchEngine.get();
        MatrixBackend backend = options.matrixBackend();
        ownBackend(model, backend);
        try (Checkpoint checkpoint = Checkpoint.open(dir);
                CheckpointWeights weights = new CheckpointWeights(checkpoint, model.getNDManager(), backend);
                WeightCache cache = options.cachesWeights() ? WeightCaches.open(dir, options) : null) {
            if (cache != null) {
                ((OrtMatrices) backend).caching(cache);
            }
            CausalLmBlock block = family.build(config, weights);
            weights.requireAllUsed();
            if (cache != null) {
                cache.finish();
                ((OrtMatrices) backend).caching(null);
            }
            model.setBlock(block);
            return new MoeLanguageModel(model, block, config, family.modelType(), generation, backend);
        }
    }

    private static <C extends FamilyConfig> MoeLanguageModel wrap(
            ModelFamily<C> family, HfConfig hf, Model model, CausalLmBlock block, GenerationConfig generation) {
        return new MoeLanguageModel(model, block, family.parseConfig(hf), family.modelType(), generation, TorchMatrices.BACKEND);
    }

    /**
     * A model of {@code config}'s family with random weights ({@link RandomWeights}), built in
     * memory: for tests and benchmarks that need real shapes, not a checkpoint.
     */
    public static MoeLanguageModel random(HfConfig config, long seed) {
        return create(config, manager -> new RandomWeights(manager, seed));
    }

    /** {@link #random(HfConfig, long)} with the backend and weight format {@code options} name. */
    public static MoeLanguageModel random(HfConfig config, long seed, LoadOptions options) {
        MatrixBackend backend = options.matrixBackend();
        return create(config, manager -> new RandomWeights(manager, seed, backend));
    }

    /**
     * A model of {@code config}'s family built in memory from the weights {@code weights} makes in
     * the model's manager (a random initialiser, a training initialiser).
     */
    public static MoeLanguageModel create(HfConfig config, Function<NDManager, ? extends WeightSource> weights) {
        return create(ModelRegistry.forConfig(config), config, weights);
    }

    private static <C extends FamilyConfig> MoeLanguageModel create(
            ModelFamily<C> family, HfConfig hf, Function<NDManager, ? extends WeightSource> weights) {
        C config = family.parseConfig(hf);
        TorchEngine.get();
        Model model = Model.newInstance(family.modelType(), Device.cpu(), "PyTorch");
        try {
            WeightSource source = weights.apply(model.getNDManager());
            ownBackend(model, source.backend());
            CausalLmBlock block = family.build(config, source);
            model.setBlock(block);
            return new MoeLanguageModel(model, block, config, family.modelType(), GenerationConfig.from(hf), source.backend());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The backend that multiplies by the model's weights (libtorch for a model rewrapped by {@link #of}). */
    public MatrixBackend backend() {
        return backend;
    }

    /**
     * A backend that holds native resources of its own (ORT sessions) is closed with the model's
     * manager, even when its load fails.
     */
    private static void ownBackend(Model model, MatrixBackend backend) {
        if (backend instanceof AutoCloseable resources) {
            model.getNDManager().attachInternal("matrix-backend-" + System.identityHashCode(backend), resources);
        }
    }

    public Model model() {
        return model;
    }

    public CausalLmBlock block() {
        return block;
    }

    public FamilyConfig config() {
        return config;
    }

    /** HF {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** A fresh cache for {@code batchSize} sequences; close it when the generation ends. */
    public KvCache newCache(int batchSize) {
        return new KvCache(model.getNDManager(), block.layers().size(), batchSize);
    }

    /**
     * Runs {@code ids} {@code [B, S]} (left-padded where {@code mask} has zeros; null mask = no
     * padding) after whatever {@code cache} holds (null = no cache).
     *
     * @return logits {@code [B, S, V]}, or {@code [B, 1, V]} when {@code lastOnly}, in {@code step}
     */
    public NDArray forward(NDManager step, long[][] ids, long[][] mask, KvCache cache, boolean lastOnly) {
        if (ids.length == 0 || ids[0].length == 0) {
            throw new InvalidInputException("empty input: at least one token per row is needed");
        }
        long[][] stepMask = mask != null ? mask : CausalLmBlock.ones(ids.length, ids[0].length);
        if (stepMask.length != ids.length || stepMask[0].length != ids[0].length) {
            throw new InvalidInputException("attention mask shape differs from the ids' shape");
        }
        for (long[] row : ids) {
            if (row.length != ids[0].length) {
                throw new InvalidInputException("rows of ids have different lengths; left-pad them and pass a mask");
            }
        }
        KvCache.Step planned = cache == null ? null : cache.plan(stepMask);
        long[][] positions = planned == null ? KvCache.positions(stepMask, new long[ids.length]) : planned.positions();
        long[][] keyMask = planned == null ? stepMask : planned.keyMask();
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        NDArray logits = block.forward(ps, step, new TokenBatch(ids, positions, keyMask), cache, lastOnly, false).logits();
        if (planned != null) {
            cache.commit(planned);
        }
        return logits;
    }

    /** Logits of the position after {@code ids}, for one unpadded sequence. */
    public float[] lastLogits(long[] ids) {
        try (NDManager step = model.getNDManager().newSubManager()) {
            return forward(step, new long[][] {ids}, null, null, true).toFloatArray();
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
