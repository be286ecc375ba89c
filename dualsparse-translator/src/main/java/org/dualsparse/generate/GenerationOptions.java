package org.dualsparse.generate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.dualsparse.arguments.ArgumentReader;
import org.dualsparse.config.GenerationConfig;

/**
 * How one prompt is continued, with HF {@code generate()}'s names and meanings. Sampling happens
 * only with {@code doSample} and a positive temperature; otherwise decoding is greedy and the
 * sampling filters are unused.
 *
 * @param maxNewTokens tokens to generate at most (&gt; 0)
 * @param doSample sample from the filtered distribution instead of taking the most likely token
 * @param temperature logits are divided by it before sampling (&ge; 0; 0 means greedy)
 * @param topK keep the k most likely tokens (0 = all)
 * @param topP keep the smallest set of most likely tokens whose probability reaches it, in (0, 1]
 * @param minP drop tokens less likely than {@code minP} times the most likely one, in [0, 1]
 * @param repetitionPenalty divide positive (multiply negative) logits of tokens already in the
 *     sequence by it (&gt; 0; 1 = off), as in CTRL and HF
 * @param seed makes sampling reproducible; null draws a fresh seed
 * @param stopStrings the text ends before the first occurrence of any of them
 */
public record GenerationOptions(
        int maxNewTokens,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        Long seed,
        List<String> stopStrings) {

    /** Used when neither the caller nor {@code generation_config.json} sets {@code max_new_tokens}. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 256;

    public GenerationOptions {
        require(maxNewTokens > 0, "max_new_tokens must be positive, got " + maxNewTokens);
        require(temperature >= 0 && Double.isFinite(temperature), "temperature must be >= 0, got " + temperature);
        require(topK >= 0, "top_k must be >= 0 (0 turns it off), got " + topK);
        require(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        require(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
        require(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty),
                "repetition_penalty must be > 0 (1 turns it off), got " + repetitionPenalty);
        stopStrings = List.copyOf(stopStrings);
        require(stopStrings.stream().noneMatch(String::isEmpty), "stop strings must not be empty");
    }

    /** The model's defaults from {@code generation_config.json}. */
    public static GenerationOptions defaults(GenerationConfig config) {
        return new GenerationOptions(
                config.maxNewTokens() != null ? config.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS,
                config.doSample(), config.temperature(), config.topK(), config.topP(), config.minP(),
                config.repetitionPenalty(), null, List.of());
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, no stop strings. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, false, 1.0, 0, 1.0, 0.0, 1.0, null, List.of());
    }

    /** True when the next token is the most likely one rather than a sample. */
    public boolean isGreedy() {
        return !doSample || temperature == 0;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * These options with the generation keys of {@code arguments} applied ({@code max_new_tokens},
     * {@code do_sample}, {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p}, {@code
     * repetition_penalty}, {@code seed}, {@code stop}); other keys are ignored. Values may be
     * numbers or strings, as DJL Criteria arguments and {@code serving.properties} give them.
     *
     * @throws org.dualsparse.arguments.InvalidArgumentException for a value of the wrong type, an
     *     {@link InvalidOptionException} for one outside its range
     */
    public GenerationOptions withArguments(Map<String, ?> arguments) {
        Builder b = toBuilder();
        ArgumentReader args = new ArgumentReader(arguments);
        args.integer("max_new_tokens").ifPresent(b::maxNewTokens);
        args.number("temperature").ifPresent(b::temperature);
        args.integer("top_k").ifPresent(b::topK);
        args.number("top_p").ifPresent(b::topP);
        args.number("min_p").ifPresent(b::minP);
        args.number("repetition_penalty").ifPresent(b::repetitionPenalty);
        args.wholeNumber("seed").ifPresent(b::seed);
        args.bool("do_sample").ifPresent(b::doSample);
        args.strings("stop").ifPresent(b::stopStrings);
        return b.build();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidOptionException(message);
        }
    }

    /** Changes a few options of a base set; {@link #build()} validates them. */
    public static final class Builder {
        private int maxNewTokens;
        private boolean doSample;
        private double temperature;
        private int topK;
        private double topP;
        private double minP;
        private double repetitionPenalty;
        private Long seed;
        private List<String> stopStrings;

        private Builder(GenerationOptions base) {
            maxNewTokens = base.maxNewTokens;
            doSample = base.doSample;
            temperature = base.temperature;
            topK = base.topK;
            topP = base.topP;
            minP = base.minP;
            repetitionPenalty = base.repetitionPenalty;
            seed = base.seed;
            stopStrings = base.stopStrings;
        }

        public Builder maxNewTokens(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        public Builder doSample(boolean doSample) {
            this.doSample = doSample;
            return this;
        }

        /** Sets the temperature; a positive one turns sampling on, 0 turns it off. */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            this.doSample = temperature > 0;
            return this;
        }

        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        public Builder minP(double minP) {
            this.minP = minP;
            return this;
        }

        public Builder repetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder stopStrings(Collection<String> stopStrings) {
            this.stopStrings = List.copyOf(stopStrings);
            return this;
        }

        public Builder stopStrings(String... stopStrings) {
            return stopStrings(List.of(stopStrings));
        }

        public GenerationOptions build() {
            return new GenerationOptions(
                    maxNewTokens, doSample, temperature, topK, topP, minP, repetitionPenalty, seed, stopStrings);
        }
    }
}
