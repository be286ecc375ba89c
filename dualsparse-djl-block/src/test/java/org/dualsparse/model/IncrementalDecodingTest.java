package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.stream.Stream;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The KV cache and left-padded batches give the same logits as single full passes. */
class IncrementalDecodingTest {

    private static final long[] SEQUENCE = {5, 17, 42, 3, 59, 25, 7, 60, 12, 31, 2, 47};
    private static final int PREFILL = 7;
    /**
     * Cached steps and padded batches run other GEMM shapes (and deepseek-v2 decodes in latent space,
     * with the absorbed projections: another order of the same products), so logits agree to rounding
     * of the logit scale, not bit for bit: 1e-5 of it, as the parity tests.
     */
    private static final float TOLERANCE = 1e-5f;

    /** The tiny presets and every switch of the reference configs (sliding windows included). */
    static Stream<String> configs() {
        return Stream.concat(
                Stream.of("mixtral-tiny", "olmoe-tiny", "qwen2-moe-tiny", "qwen3-moe-tiny", "deepseek-moe-tiny", "deepseek-v2-tiny"),
                TinyConfigs.all().keySet().stream());
    }

    static HfConfig config(String name) {
        JsonObject reference = TinyConfigs.all().get(name);
        return reference != null ? new HfConfig(reference, name) : Presets.load(name, 0);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void prefillThenSingleStepsEqualsOneFullPass(String preset) {
        try (MoeLanguageModel lm = MoeLanguageModel.random(config(preset), 11)) {
            int vocab = lm.config().decoder().vocabSize();
            float[] full = TestModels.logits(lm, new long[][] {SEQUENCE}, null, null);
            float scale = TestModels.maxAbs(full);
            try (KvCache cache = lm.newCache(1)) {
                float[] prefill = TestModels.logits(lm, new long[][] {Arrays.copyOf(SEQUENCE, PREFILL)}, null, cache);
                float diff = TestModels.maxAbsDiff(full, prefill, 0, 0, PREFILL * vocab);
                for (int s = PREFILL; s < SEQUENCE.length; s++) {
                    float[] step = TestModels.logits(lm, new long[][] {{SEQUENCE[s]}}, null, cache);
                    diff = Math.max(diff, TestModels.maxAbsDiff(full, step, s * vocab, 0, vocab));
                }
                System.out.printf("incremental %-26s cached vs full max|Δlogit| %.2e (scale %.2f)%n", preset, diff, scale);
                assertTrue(diff <= TOLERANCE * scale, preset + ": cached vs full max diff " + diff + " at logit scale " + scale);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void leftPaddedBatchEqualsEachSequenceAlone(String preset) {
        try (MoeLanguageModel lm = MoeLanguageModel.random(config(preset), 12)) {
            int vocab = lm.config().decoder().vocabSize();
            long[] shortRow = {9, 8, 7, 6, 5};
            long[] longRow = Arrays.copyOf(SEQUENCE, 9);
            long[][] ids = {{0, 0, 0, 0, 9, 8, 7, 6, 5}, longRow};
            long[][] mask = {{0, 0, 0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}};
            try (KvCache cache = lm.newCache(2)) {
                float[] batch = TestModels.logits(lm, ids, mask, cache);
                float[] aloneShort = TestModels.logits(lm, new long[][] {shortRow}, null, null);
                float[] aloneLong = TestModels.logits(lm, new long[][] {longRow}, null, null);
                float scale = TestModels.maxAbs(aloneLong);
                float diff = Math.max(
                        TestModels.maxAbsDiff(batch, aloneShort, 4 * vocab, 0, 5 * vocab),
                        TestModels.maxAbsDiff(batch, aloneLong, 9 * vocab, 0, 9 * vocab));
                // One more step on both rows through the cache.
                float[] next = TestModels.logits(lm, new long[][] {{3}, {3}}, null, cache);
                float[] shortThen = TestModels.logits(lm, new long[][] {{9, 8, 7, 6, 5, 3}}, null, null);
                long[] longRowThen = Arrays.copyOf(longRow, 10);
                longRowThen[9] = 3;
                float[] longThen = TestModels.logits(lm, new long[][] {longRowThen}, null, null);
                diff = Math.max(diff, TestModels.maxAbsDiff(next, shortThen, 0, 5 * vocab, vocab));
                diff = Math.max(diff, TestModels.maxAbsDiff(next, longThen, vocab, 9 * vocab, vocab));
                System.out.printf("incremental %-26s batch vs alone max|Δlogit| %.2e (scale %.2f)%n", preset, diff, scale);
                assertTrue(diff <= TOLERANCE * scale, preset + ": batch vs alone max diff " + diff + " at logit scale " + scale);
            }
        }
    }
}
