package org.dualsparse.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dualsparse.arguments.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.9f, -1.0f, 0.5f};

    @Test
    void greedyTakesTheFirstLargestLogit() {
        assertEquals(1, next(GenerationOptions.greedy(1), LOGITS));
        assertEquals(0, next(GenerationOptions.greedy(1), new float[] {2, 2, 1}));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        GenerationOptions options = GenerationOptions.greedy(1).toBuilder().repetitionPenalty(2).build();
        // Token 1 (3.0 -> 1.5) falls below token 2 (2.9).
        assertEquals(2, new Sampler(options).next(LOGITS, 0, LOGITS.length, new long[] {1}, 1));
        float[] negative = {-1.0f, -1.5f};
        assertEquals(1, new Sampler(options).next(negative, 0, 2, new long[] {0, 0}, 2), "-1 * 2 = -2 < -1.5");
    }

    @Test
    void filtersLeaveOnlyTheTopTokens() {
        assertEquals(Set.of(1), drawn(sampling().topK(1).build()));
        assertEquals(Set.of(1, 2), drawn(sampling().topK(2).build()));
        assertEquals(Set.of(1), drawn(sampling().topP(0.3).build()), "p(1) = 0.47 alone reaches 0.3");
        assertEquals(Set.of(1, 2), drawn(sampling().topP(0.8).build()), "0.47 + 0.42 reaches 0.8");
        assertEquals(Set.of(1, 2), drawn(sampling().minP(0.5).build()));
        assertEquals(Set.of(0, 1, 2, 3, 4), drawn(sampling().build()));
    }

    @Test
    void aSeedFixesTheDraws() {
        GenerationOptions options = sampling().seed(9).build();
        Sampler a = new Sampler(options);
        Sampler b = new Sampler(options);
        for (int i = 0; i < 50; i++) {
            assertEquals(a.next(LOGITS, 0, 5, new long[0], 0), b.next(LOGITS, 0, 5, new long[0], 0));
        }
    }

    @Test
    void invalidOptionsAreRefusedWithTheirNames() {
        GenerationOptions base = GenerationOptions.greedy(1);
        assertMessage("max_new_tokens", () -> base.toBuilder().maxNewTokens(0).build());
        assertMessage("temperature", () -> base.toBuilder().temperature(-0.1).build());
        assertMessage("top_p", () -> base.toBuilder().topP(0).build());
        assertMessage("top_p", () -> base.toBuilder().topP(1.01).build());
        assertMessage("top_k", () -> base.toBuilder().topK(-1).build());
        assertMessage("min_p", () -> base.toBuilder().minP(2).build());
        assertMessage("repetition_penalty", () -> base.toBuilder().repetitionPenalty(0).build());
        assertMessage("stop", () -> base.toBuilder().stopStrings("").build());
        assertMessage("top_k", () -> base.withArguments(Map.of("top_k", "many")));
        assertMessage("max_new_tokens", () -> base.withArguments(Map.of("max_new_tokens", 2.5)));
    }

    @Test
    void argumentsUseHfNamesAndAcceptStrings() {
        GenerationOptions options = GenerationOptions.greedy(1).withArguments(Map.of(
                "max_new_tokens", "12", "temperature", 0.5, "top_k", 7, "top_p", "0.9", "min_p", 0.05,
                "repetition_penalty", "1.1", "seed", 3, "stop", List.of("\n\n", "###"), "blockFactory", "ignored"));
        assertEquals(new GenerationOptions(12, true, 0.5, 7, 0.9, 0.05, 1.1, 3L, List.of("\n\n", "###")), options);
        assertTrue(GenerationOptions.greedy(1).withArguments(Map.of("temperature", 0.5, "do_sample", "false")).isGreedy());
    }

    /** Out of range is an {@link InvalidOptionException}, the wrong type the reader's {@link InvalidArgumentException}. */
    private static void assertMessage(String name, Runnable invalid) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, invalid::run);
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    private static GenerationOptions.Builder sampling() {
        return GenerationOptions.greedy(1).toBuilder().temperature(1.0).seed(1);
    }

    private static Set<Integer> drawn(GenerationOptions options) {
        Sampler sampler = new Sampler(options);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add((int) sampler.next(LOGITS, 0, LOGITS.length, new long[0], 0));
        }
        return seen;
    }

    private static long next(GenerationOptions options, float[] logits) {
        return new Sampler(options).next(logits, 0, logits.length, new long[0], 0);
    }
}
