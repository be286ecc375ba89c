package org.dualsparse.cli;

import java.util.ArrayList;
import java.util.List;
import org.dualsparse.generate.GenerationOptions;
import org.dualsparse.translate.GenerationRequest;

/**
 * The requests a soak cycles through: every prompt under greedy decoding, seeded sampling
 * (temperature, top-k, top-p, repetition penalty) and sampling with stop strings, at different
 * lengths, so that concurrent calls differ in options, cache sizes and finish reasons.
 */
final class SoakWorkload {

    private static final List<String> PROMPTS = List.of(
            "In the beginning", "And the LORD said unto Moses,", "Blessed are the", "And it came to pass, when",
            "The LORD is my shepherd;", "For God so loved the world,", "Hear, O Israel:", "And he spake unto them");

    private SoakWorkload() {}

    static List<GenerationRequest> requests() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            int length = 12 + 12 * (i % 3);
            long seed = 1000 + i;
            requests.add(GenerationRequest.of(PROMPTS.get(i)).withOptions(o -> o.maxNewTokens(length).doSample(false)));
            requests.add(GenerationRequest.of(PROMPTS.get(i)).withOptions(o -> sampling(o, seed).maxNewTokens(length + 8)));
            requests.add(GenerationRequest.of(PROMPTS.get(i)).withOptions(o -> sampling(o, seed + 1).maxNewTokens(48)
                    .stopStrings(".", ";", "\n")));
        }
        return requests;
    }

    private static GenerationOptions.Builder sampling(GenerationOptions.Builder options, long seed) {
        return options.doSample(true).temperature(0.8).topK(40).topP(0.95).repetitionPenalty(1.1).seed(seed);
    }
}
