package org.dualsparse.spark;

import ai.djl.MalformedModelException;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.generate.Generation;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.onnxruntime.OrtRuntime;
import org.dualsparse.tokenizer.TextTokenizer;
import org.dualsparse.translate.GenerationRequest;
import org.dualsparse.zoo.MoeCriteria;

/**
 * The model of one {@link ModelSpec} as an executor JVM holds it: loaded through {@code
 * MoeCriteria} by the first task that needs it, then shared by every task thread of the JVM
 * (each with its own {@code Predictor}) for the rest of the JVM's life: an executor keeps one
 * model per distinct spec it has run. Weights are memory-mapped by the loader, so the executor's
 * memory holds one copy whatever the number of task slots.
 */
public final class ExecutorModel {

    private static final Map<ModelSpec, ExecutorModel> LOADED = new ConcurrentHashMap<>();

    private final ZooModel<GenerationRequest, Generation> zoo;
    private final MoeLanguageModel lm;
    private final TextTokenizer tokenizer;

    private ExecutorModel(ZooModel<GenerationRequest, Generation> zoo, TextTokenizer tokenizer) {
        this.zoo = zoo;
        this.lm = MoeLanguageModel.of(zoo.getWrappedModel());
        this.tokenizer = tokenizer;
    }

    /** The model of {@code spec} in this JVM, loaded on first use. */
    public static ExecutorModel of(ModelSpec spec) {
        return LOADED.computeIfAbsent(spec, ExecutorModel::load);
    }

    private static ExecutorModel load(ModelSpec spec) {
        useTaskCpus();
        Criteria.Builder<GenerationRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(GenerationRequest.class, Generation.class)
                .optModelPath(spec.modelPath());
        spec.arguments().forEach(criteria::optArgument);
        try {
            ZooModel<GenerationRequest, Generation> zoo = criteria.build().loadModel();
            return new ExecutorModel(zoo, TextTokenizer.load(spec.modelPath()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + spec.modelDir() + ": " + e.getMessage(), e);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException("cannot load " + spec.modelDir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives libtorch as many threads as Spark gives each task cores ({@code spark.task.cpus}, 1 by
     * default), unless set: the executor's task threads then share its cores without each op also
     * spreading over all of them. Takes effect when the engine first starts in this JVM.
     */
    private static void useTaskCpus() {
        if (System.getProperty(TorchEngine.THREADS_PROPERTY) == null && SparkEnv.get() != null) {
            System.setProperty(TorchEngine.THREADS_PROPERTY, SparkEnv.get().conf().get("spark.task.cpus", "1"));
        }
        // Task threads share ONNX Runtime's pool: its idle workers must not spin against them.
        if (System.getProperty(OrtRuntime.SPIN_PROPERTY) == null) {
            System.setProperty(OrtRuntime.SPIN_PROPERTY, "false");
        }
    }

    /** The DJL model, for Predictors. */
    public ZooModel<GenerationRequest, Generation> zoo() {
        return zoo;
    }

    public MoeLanguageModel languageModel() {
        return lm;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** DualSparse as the spec applied it, if it did. */
    public Optional<DualSparseRuntime> dualSparse() {
        return DualSparseRuntime.of(zoo.getBlock());
    }
}
