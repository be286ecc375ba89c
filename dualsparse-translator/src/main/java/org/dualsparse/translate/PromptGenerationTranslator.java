package org.dualsparse.translate;

import java.util.List;
import java.util.function.Function;
import org.dualsparse.generate.Generation;
import org.dualsparse.generate.Generator;
import org.dualsparse.generate.Prompt;

/** Text generation for a batch of inputs: each input becomes a {@link Prompt}, each {@link Generation} an output. */
final class PromptGenerationTranslator<I, O> extends WholeBatchTranslator<I, O> {

    private final Generator generator;
    private final Function<I, Prompt> prompt;
    private final Function<Generation, O> output;

    PromptGenerationTranslator(Generator generator, Function<I, Prompt> prompt, Function<Generation, O> output) {
        this.generator = generator;
        this.prompt = prompt;
        this.output = output;
    }

    @Override
    protected List<O> translate(List<I> inputs) {
        return generator.generate(inputs.stream().map(prompt).toList()).stream().map(output).toList();
    }
}
