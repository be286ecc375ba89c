package org.dualsparse.translate;

import ai.djl.translate.Translator;
import java.util.function.Consumer;
import org.dualsparse.chat.ChatTemplate;
import org.dualsparse.eval.Loglikelihood;
import org.dualsparse.eval.LoglikelihoodRequest;
import org.dualsparse.eval.LoglikelihoodScorer;
import org.dualsparse.generate.Generation;
import org.dualsparse.generate.GenerationOptions;
import org.dualsparse.generate.Generator;
import org.dualsparse.generate.Prompt;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * The DJL translators of one loaded model. Each is stateless and thread-safe: any number of
 * {@code Predictor}s, on any threads, may share it. {@code batchPredict} runs a batch as one
 * left-padded generation (or one forward pass for log-likelihoods).
 */
public final class MoeTranslators {

    private final TextTokenizer tokenizer;
    private final Generator generator;
    private final LoglikelihoodScorer scorer;
    private final GenerationOptions defaults;

    /** Translators that generate with {@code defaults} unless a request changes them. */
    public MoeTranslators(MoeLanguageModel model, TextTokenizer tokenizer, GenerationOptions defaults) {
        this.tokenizer = tokenizer;
        this.generator = new Generator(model, tokenizer);
        this.scorer = new LoglikelihoodScorer(model, tokenizer);
        this.defaults = defaults;
    }

    /** Plain text in, its continuation out. */
    public Translator<String, String> text() {
        return new PromptGenerationTranslator<>(generator, prompt -> prompt(prompt, defaults, null), Generation::text);
    }

    /** A prompt with per-call options and streaming in, the generation with its finish reason and timing out. */
    public Translator<GenerationRequest, Generation> generation() {
        return new PromptGenerationTranslator<>(
                generator,
                request -> prompt(request.prompt(), request.options().apply(defaults.toBuilder()).build(), request.onText()),
                generation -> generation);
    }

    /** A conversation in, the assistant's reply out, through the model's chat template. */
    public Translator<ChatRequest, Generation> chat(ChatTemplate template) {
        return new PromptGenerationTranslator<>(
                generator,
                request -> new Prompt(
                        // The template writes the special tokens itself, as HF apply_chat_template does.
                        tokenizer.encode(template.render(request.messages(), true), false),
                        request.options().apply(defaults.toBuilder()).build(),
                        request.onText()),
                generation -> generation);
    }

    /** A (context, continuation) pair in, the continuation's log-likelihood and greedy flag out. */
    public Translator<LoglikelihoodRequest, Loglikelihood> loglikelihood() {
        return new LoglikelihoodTranslator(scorer);
    }

    private Prompt prompt(String text, GenerationOptions options, Consumer<String> onText) {
        return new Prompt(tokenizer.encode(text, true), options, onText);
    }
}
