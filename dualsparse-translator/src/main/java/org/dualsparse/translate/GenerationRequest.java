package org.dualsparse.translate;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.dualsparse.generate.GenerationOptions;

/**
 * A plain-text prompt to continue.
 *
 * @param prompt the text; the tokenizer adds the model's special tokens around it (a BOS for Llama-style tokenizers)
 * @param options changes to the model's and the Criteria's generation options for this call only
 * @param onText receives the generated text piece by piece as it is produced (null for none)
 */
public record GenerationRequest(String prompt, UnaryOperator<GenerationOptions.Builder> options, Consumer<String> onText) {

    public GenerationRequest {
        options = options == null ? UnaryOperator.identity() : options;
    }

    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, null, null);
    }

    public GenerationRequest withOptions(UnaryOperator<GenerationOptions.Builder> options) {
        return new GenerationRequest(prompt, options, onText);
    }

    public GenerationRequest streamingTo(Consumer<String> onText) {
        return new GenerationRequest(prompt, options, onText);
    }
}
