package org.dualsparse.translate;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.List;

/**
 * A translator that answers a whole {@code Predictor.batchPredict} batch with one call of {@link
 * #translate(List)}.
 *
 * <p>DJL's {@code Predictor} runs the model's block once per call, between pre- and
 * post-processing; generation needs many forward steps with a KV cache. So the inputs are kept in
 * the call's context, the predictor gets an empty {@link NDList} (which it passes on without
 * running the block), and the work happens in {@link #batchProcessOutput}, still inside the
 * predictor's call.
 */
abstract class WholeBatchTranslator<I, O> implements Translator<I, O> {

    private static final String INPUTS = "dualsparse.inputs";

    /** The outputs for {@code inputs}, in order. */
    protected abstract List<O> translate(List<I> inputs);

    @Override
    public NDList batchProcessInput(TranslatorContext ctx, List<I> inputs) {
        ctx.setAttachment(INPUTS, List.copyOf(inputs));
        return new NDList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<O> batchProcessOutput(TranslatorContext ctx, NDList list) {
        return translate((List<I>) ctx.getAttachment(INPUTS));
    }

    @Override
    public NDList processInput(TranslatorContext ctx, I input) {
        return batchProcessInput(ctx, List.of(input));
    }

    @Override
    public O processOutput(TranslatorContext ctx, NDList list) {
        return batchProcessOutput(ctx, list).get(0);
    }
}
