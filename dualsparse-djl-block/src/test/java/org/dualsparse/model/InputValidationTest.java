package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dualsparse.decoder.InvalidInputException;
import org.dualsparse.decoder.KvCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Input the model cannot run is refused with a message naming the value. */
class InputValidationTest {

    private static MoeLanguageModel lm;

    @BeforeAll
    static void load() {
        lm = MoeLanguageModel.random(Presets.load("mixtral-tiny", 1), 1);
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void tokenIdOutsideTheVocabulary() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> lm.lastLogits(new long[] {1, 256}));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("[0, 256)"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> lm.lastLogits(new long[] {-1}));
    }

    @Test
    void sequenceLongerThanMaxPositions() {
        long[] ids = new long[513];
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> lm.lastLogits(ids));
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void aRefusedStepLeavesTheCacheUsable() {
        try (KvCache cache = lm.newCache(1)) {
            float[] first = TestModels.logits(lm, new long[][] {{5, 6, 7}}, null, cache);
            assertThrows(InvalidInputException.class, () -> TestModels.logits(lm, new long[][] {{999}}, null, cache));
            float[] next = TestModels.logits(lm, new long[][] {{8}}, null, cache);
            float[] full = TestModels.logits(lm, new long[][] {{5, 6, 7, 8}}, null, null);
            int vocab = lm.config().decoder().vocabSize();
            // A cached step and a full pass run other GEMM shapes: equal to 1e-5 of the logit scale, as in IncrementalDecodingTest.
            float diff = TestModels.maxAbsDiff(full, next, 3 * vocab, 0, vocab);
            assertTrue(diff <= 1e-5f * TestModels.maxAbs(full), "cached step vs full pass: max |Δlogit| " + diff);
            assertTrue(first.length == 3 * vocab);
        }
    }

    @Test
    void raggedOrEmptyBatches() {
        assertThrows(InvalidInputException.class, () -> lm.lastLogits(new long[0]));
        assertThrows(InvalidInputException.class,
                () -> TestModels.logits(lm, new long[][] {{1, 2}, {3}}, null, null));
        assertThrows(InvalidInputException.class,
                () -> TestModels.logits(lm, new long[][] {{1, 2}}, new long[][] {{1}}, null));
    }
}
