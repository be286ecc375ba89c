package org.dualsparse.decoder;

import java.util.Arrays;

/**
 * The tokens of one forward step, on the host: {@code B} rows of {@code S} new tokens after
 * {@code past} cached slots.
 *
 * @param ids {@code [B, S]} token ids
 * @param positions {@code [B, S]} position ids
 * @param keyMask {@code [B, past + S]}: 1 for a token, 0 for padding, over every cached and new slot
 */
public record TokenBatch(long[][] ids, long[][] positions, long[][] keyMask) {

    /** Checks that the three are rectangular and agree in shape. */
    public TokenBatch {
        if (ids.length == 0 || ids[0].length == 0) {
            throw new InvalidInputException("empty input: at least one token per row is needed");
        }
        int steps = ids[0].length;
        requireRows("ids", ids, ids.length, steps);
        requireRows("position ids", positions, ids.length, steps);
        if (keyMask.length == 0 || keyMask[0].length < steps) {
            throw new InvalidInputException("attention mask of " + keyMask.length + " rows does not cover the "
                    + ids.length + " rows of " + steps + " new tokens");
        }
        requireRows("attention mask", keyMask, ids.length, keyMask[0].length);
    }

    /** Tokens without cache or padding: positions {@code 0 .. S-1}, every slot visible. */
    public static TokenBatch unpadded(long[][] ids) {
        int rows = ids.length;
        int steps = rows == 0 ? 0 : ids[0].length;
        long[][] positions = new long[rows][steps];
        long[][] keyMask = new long[rows][steps];
        for (int b = 0; b < rows; b++) {
            for (int s = 0; s < steps; s++) {
                positions[b][s] = s;
            }
            Arrays.fill(keyMask[b], 1);
        }
        return new TokenBatch(ids, positions, keyMask);
    }

    public int batchSize() {
        return ids.length;
    }

    /** New tokens per row, {@code S}. */
    public int steps() {
        return ids[0].length;
    }

    private static void requireRows(String what, long[][] rows, int count, int length) {
        if (rows.length != count) {
            throw new InvalidInputException(what + " has " + rows.length + " rows, the ids " + count);
        }
        for (long[] row : rows) {
            if (row.length != length) {
                throw new InvalidInputException("a row of " + what + " has " + row.length + " entries where the first has "
                        + length + "; left-pad ragged rows and pass a mask");
            }
        }
    }
}
