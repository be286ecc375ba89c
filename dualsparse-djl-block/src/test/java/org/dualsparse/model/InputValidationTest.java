package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void raggedOrEmptyBatches() {
        assertThrows(InvalidInputException.class, () -> lm.lastLogits(new long[0]));
        assertThrows(InvalidInputException.class,
                () -> TestModels.logits(lm, new long[][] {{1, 2}, {3}}, null, null));
        assertThrows(InvalidInputException.class,
                () -> TestModels.logits(lm, new long[][] {{1, 2}}, new long[][] {{1}}, null));
    }
}
