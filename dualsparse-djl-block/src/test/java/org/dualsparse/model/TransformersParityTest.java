package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.golden.GoldenFixture;
import org.dualsparse.golden.LogitComparison;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every MoE family transformers ships natively, as transformers itself builds and saves it
 * ({@code tools/golden/make_golden.py}), loaded through the real loader: the logits of every
 * prompt position equal transformers' (eager attention, float32) within 1e-4 of the logit
 * scale, and greedy decoding with the KV cache continues the prompt with transformers' tokens.
 */
class TransformersParityTest {

    static List<String> fixtures() {
        return GoldenFixture.checkpointNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void logitsAndGreedyContinuationEqualTransformers(String name) {
        GoldenFixture fixture = GoldenFixture.named(name);
        long[] prompt = fixture.prompt();
        try (MoeLanguageModel lm = MoeLanguageModel.load(fixture.dir())) {
            LogitComparison logits = new LogitComparison()
                    .add(fixture.logits(), TestModels.logits(lm, new long[][] {prompt}, null, null));
            long[] greedy = greedy(lm, prompt, fixture.greedy().length);
            System.out.printf("transformers parity %-30s %s, greedy %s%n", name, logits,
                    Arrays.equals(greedy, fixture.greedy()) ? "equal" : "DIFFERENT");
            assertTrue(logits.within(1e-4), name + " " + fixture.switches() + ": " + logits);
            assertArrayEquals(fixture.greedy(), greedy, name + ": greedy continuation");
        }
    }

    /** Prefill, then one token at a time through the cache, each the argmax of the last logits. */
    static long[] greedy(MoeLanguageModel lm, long[] prompt, int tokens) {
        long[] out = new long[tokens];
        try (KvCache cache = lm.newCache(1)) {
            long[] input = prompt;
            for (int t = 0; t < tokens; t++) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    out[t] = lm.forward(step, new long[][] {input}, null, cache, true).argMax().getLong();
                }
                input = new long[] {out[t]};
            }
        }
        return out;
    }
}
