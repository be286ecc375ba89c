package org.dualsparse.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A step's host arrays are refused unless they are rectangular and agree in shape. */
class TokenBatchTest {

    @Test
    void unpaddedCountsPositionsFromZeroAndSeesEverySlot() {
        TokenBatch batch = TokenBatch.unpadded(new long[][] {{7, 8, 9}, {1, 2, 3}});
        assertArrayEquals(new long[] {0, 1, 2}, batch.positions()[1]);
        assertArrayEquals(new long[] {1, 1, 1}, batch.keyMask()[0]);
    }

    @Test
    void refusesEmptyOrRaggedIds() {
        assertThrows(InvalidInputException.class, () -> TokenBatch.unpadded(new long[0][]));
        assertThrows(InvalidInputException.class, () -> TokenBatch.unpadded(new long[][] {{}}));
        assertThrows(InvalidInputException.class, () -> TokenBatch.unpadded(new long[][] {{1, 2}, {3}}));
    }

    @Test
    void refusesPositionsOrMaskOfAnotherShape() {
        long[][] ids = {{1, 2}};
        assertThrows(InvalidInputException.class, () -> new TokenBatch(ids, new long[][] {{0}}, new long[][] {{1, 1}}));
        assertThrows(InvalidInputException.class, () -> new TokenBatch(ids, new long[][] {{0, 1}, {0, 1}}, new long[][] {{1, 1}}));
        assertThrows(InvalidInputException.class, () -> new TokenBatch(ids, new long[][] {{0, 1}}, new long[][] {{1}}));
        assertThrows(InvalidInputException.class,
                () -> new TokenBatch(ids, new long[][] {{0, 1}}, new long[][] {{1, 1}, {1, 1}}));
    }
}
