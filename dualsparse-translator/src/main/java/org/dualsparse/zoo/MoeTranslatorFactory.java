package org.dualsparse.zoo;

import ai.djl.Model;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.dualsparse.chat.ChatTemplate;
import org.dualsparse.eval.Loglikelihood;
import org.dualsparse.eval.LoglikelihoodRequest;
import org.dualsparse.generate.Generation;
import org.dualsparse.generate.GenerationOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import org.dualsparse.translate.ChatRequest;
import org.dualsparse.translate.GenerationRequest;
import org.dualsparse.translate.MoeTranslators;

/**
 * The translators of a model loaded by {@link MoeBlockFactory}, chosen by the Criteria's types:
 *
 * <ul>
 *   <li>{@code String -> String}: a plain-text prompt and its continuation;
 *   <li>{@code GenerationRequest -> Generation}: per-call options, streaming, finish reason, timing;
 *   <li>{@code ChatRequest -> Generation}: a conversation through the model's chat template;
 *   <li>{@code LoglikelihoodRequest -> Loglikelihood}: lm-evaluation-harness scoring.
 * </ul>
 *
 * <p>The model is the language model {@link MoeBlockFactory} built for this load. The tokenizer is
 * the folder's {@code tokenizer.json}. Generation options start from the
 * folder's {@code generation_config.json} and take the Criteria arguments of the same names
 * ({@code max_new_tokens}, {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p},
 * {@code repetition_penalty}, {@code do_sample}, {@code seed}, {@code stop}).
 */
public final class MoeTranslatorFactory implements TranslatorFactory {

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(String.class, String.class),
            new Pair<>(GenerationRequest.class, Generation.class),
            new Pair<>(ChatRequest.class, Generation.class),
            new Pair<>(LoglikelihoodRequest.class, Loglikelihood.class));

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException("unsupported types " + input.getName() + " -> " + output.getName()
                    + "; supported: " + SUPPORTED);
        }
        MoeLanguageModel lm = LanguageModelHandoff.take(model);
        TextTokenizer tokenizer = TextTokenizer.load(model.getModelPath());
        model.getNDManager().attachInternal("tokenizer-" + UUID.randomUUID(), tokenizer);
        GenerationOptions defaults = GenerationOptions.defaults(lm.generationConfig()).withArguments(arguments);
        MoeTranslators translators = new MoeTranslators(lm, tokenizer, defaults);
        if (input == String.class) {
            return (Translator<I, O>) translators.text();
        }
        if (input == GenerationRequest.class) {
            return (Translator<I, O>) translators.generation();
        }
        if (input == ChatRequest.class) {
            return (Translator<I, O>) translators.chat(ChatTemplate.load(model.getModelPath(), tokenizer.specialTokens()));
        }
        return (Translator<I, O>) translators.loglikelihood();
    }
}
