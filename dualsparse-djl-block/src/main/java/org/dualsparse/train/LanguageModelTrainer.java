package org.dualsparse.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.nn.Scalars;

/**
 * Trains a {@link MoeLanguageModel}'s own blocks with DJL's training API: each step runs the
 * blocks inside a {@link GradientCollector} (with DJL's {@code training} flag off: they have no
 * train-only behaviour), takes the next-token cross-entropy plus the weighted load-balancing loss,
 * back-propagates, clips the global gradient norm and lets DJL's AdamW update every parameter in
 * place. A tied embedding is one parameter.
 */
public final class LanguageModelTrainer {

    /** The losses of one step, before the update. */
    public record StepLoss(float languageModel, float router, float gradientNorm, float learningRate) {}

    private final MoeLanguageModel model;
    private final TrainingOptions options;
    private final List<Parameter> parameters;
    private final Optimizer optimizer;
    private final Tracker learningRate;
    private final SoftmaxCrossEntropyLoss crossEntropy = new SoftmaxCrossEntropyLoss("lm", 1, -1, true, true);
    private int stepsDone;

    /** @throws IllegalArgumentException for a model whose weights a packing backend holds: those have no gradient */
    public LanguageModelTrainer(MoeLanguageModel model, TrainingOptions options) {
        if (!model.backend().keepsArrays()) {
            throw new IllegalArgumentException("cannot train a model whose weight products run on " + model.backend()
                    + ": load it on libtorch (its weights are packed for inference only)");
        }
        this.model = model;
        this.options = options;
        this.parameters = distinctParameters(model.block());
        for (Parameter parameter : parameters) {
            parameter.getArray().setRequiresGradient(true);
        }
        learningRate = WarmUpTracker.builder()
                .optWarmUpSteps(options.warmupSteps())
                .setMainTracker(Tracker.cosine()
                        .setBaseValue(options.learningRate())
                        .optFinalValue(options.minLearningRate())
                        .setMaxUpdates(options.steps() - options.warmupSteps())
                        .build())
                .build();
        optimizer = Optimizer.adamW()
                .optLearningRateTracker(learningRate)
                .optWeightDecays(options.weightDecay())
                .build();
    }

    /** Number of trained values (a tied embedding counted once). */
    public long parameterCount() {
        long count = 0;
        for (Parameter parameter : parameters) {
            count += parameter.getArray().size();
        }
        return count;
    }

    /**
     * One optimizer step on {@code tokens} {@code [B, S + 1]}: positions {@code 0..S-1} are the
     * input and each predicts the token after it.
     */
    public StepLoss step(long[][] tokens) {
        if (stepsDone >= options.steps()) {
            throw new IllegalStateException("the schedule of " + options.steps() + " steps is over");
        }
        long[][] inputs = inputs(tokens);
        long[][] targets = targets(tokens);
        float lmLoss;
        float routerLoss;
        try (NDManager step = model.model().getNDManager().newSubManager();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            PairList<String, Object> params = new PairList<>();
            params.add(CausalLmBlock.ROUTER_LOSS, true);
            NDList out = model.block().forward(new ParameterStore(step, false), new NDList(step.create(inputs)), false, params);
            NDArray logits = out.get(0);
            long vocab = logits.getShape().getLastDimension();
            NDArray lm = crossEntropy.evaluate(
                    new NDList(step.create(targets).reshape(-1)), new NDList(logits.reshape(-1, vocab)));
            NDArray router = out.get(1);
            collector.backward(lm.add(Scalars.mul(router, options.routerLossWeight())));
            lmLoss = lm.getFloat();
            routerLoss = router.getFloat();
        }
        float norm;
        float rate = learningRate.getNewValue(stepsDone);
        // Gradient handles and their temporaries live in a scratch manager: created in the
        // parameters' own manager they would pile up there, one model-sized copy per step.
        try (NDManager scratch = model.model().getNDManager().newSubManager()) {
            List<NDArray> gradients = new ArrayList<>(parameters.size());
            for (Parameter parameter : parameters) {
                NDArray gradient = parameter.getArray().getGradient();
                gradient.attach(scratch);
                gradients.add(gradient);
            }
            norm = clip(gradients);
            if (!Float.isFinite(norm)) {
                throw new ArithmeticException("gradient norm is " + norm + " at step " + stepsDone
                        + " (language-model loss " + lmLoss + ", router loss " + routerLoss + ")");
            }
            for (int i = 0; i < parameters.size(); i++) {
                optimizer.update("p" + i, parameters.get(i).getArray(), gradients.get(i));
                gradients.get(i).subi(gradients.get(i));
            }
        }
        stepsDone++;
        return new StepLoss(lmLoss, routerLoss, norm, rate);
    }

    /** Scales finite gradients so their global L2 norm is at most the clip norm; returns the norm before. */
    private float clip(List<NDArray> gradients) {
        double squares = 0;
        for (NDArray gradient : gradients) {
            squares += gradient.square().sum().getFloat();
        }
        float norm = (float) Math.sqrt(squares);
        if (Float.isFinite(norm) && norm > options.clipNorm()) {
            for (NDArray gradient : gradients) {
                gradient.muli(options.clipNorm() / norm);
            }
        }
        return norm;
    }

    /** Mean next-token cross-entropy over {@code tokens} {@code [B, S + 1]}, without gradients. */
    public float evaluate(long[][] tokens) {
        long[][] inputs = inputs(tokens);
        long[][] targets = targets(tokens);
        try (NDManager step = model.model().getNDManager().newSubManager()) {
            NDArray logits = model.forward(step, inputs, null, null, false);
            long vocab = logits.getShape().getLastDimension();
            return crossEntropy.evaluate(
                    new NDList(step.create(targets).reshape(-1)), new NDList(logits.reshape(-1, vocab))).getFloat();
        }
    }

    /** Every row but its last token. */
    private static long[][] inputs(long[][] tokens) {
        long[][] inputs = new long[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length < 2) {
                throw new IllegalArgumentException("a training sequence needs at least 2 tokens, row " + b + " has " + tokens[b].length);
            }
            inputs[b] = Arrays.copyOf(tokens[b], tokens[b].length - 1);
        }
        return inputs;
    }

    /** Every row but its first token: what each input position should predict. */
    private static long[][] targets(long[][] tokens) {
        long[][] targets = new long[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            targets[b] = Arrays.copyOfRange(tokens[b], 1, tokens[b].length);
        }
        return targets;
    }

    private static List<Parameter> distinctParameters(CausalLmBlock block) {
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        List<Parameter> distinct = new ArrayList<>();
        for (var pair : block.getParameters()) {
            if (seen.put(pair.getValue(), Boolean.TRUE) == null) {
                distinct.add(pair.getValue());
            }
        }
        return distinct;
    }
}
