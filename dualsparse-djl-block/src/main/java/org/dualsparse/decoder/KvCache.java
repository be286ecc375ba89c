package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * The attention state of a batch of sequences across decoding steps. Each layer keeps a few
 * named tensors (key and value for standard attention), concatenated along their sequence
 * axis; the cache also remembers the attention mask and the next position id of every row so
 * that callers pass only the new tokens.
 *
 * <p>The cache owns its arrays in its own manager: close it when the generation ends.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[][] slots;
    private final int batchSize;
    private long[][] attentionMask;
    private final long[] nextPosition;

    public KvCache(NDManager parent, int numLayers, int slotsPerLayer, int batchSize) {
        this.manager = parent.newSubManager();
        this.slots = new NDArray[numLayers][slotsPerLayer];
        this.batchSize = batchSize;
        this.attentionMask = new long[batchSize][0];
        this.nextPosition = new long[batchSize];
    }

    public int batchSize() {
        return batchSize;
    }

    /** Number of cached sequence slots (including left padding). */
    public int length() {
        return attentionMask[0].length;
    }

    /**
     * Appends {@code fresh} to the layer's slot along {@code seqAxis} and returns the whole
     * cached tensor; the result is owned by the cache.
     */
    public NDArray append(int layer, int slot, NDArray fresh, int seqAxis) {
        NDArray past = slots[layer][slot];
        NDArray all;
        if (past == null) {
            all = fresh.duplicate();
        } else {
            all = NDArrays.concat(new NDList(past, fresh), seqAxis);
            past.close();
        }
        all.attach(manager);
        slots[layer][slot] = all;
        return all;
    }

    /**
     * What a step of {@code newMask} would add: the position id of every new token (the count of
     * real tokens before it in its row; padding gets 1, as HF does) and the attention mask over
     * every slot afterwards. Nothing changes until {@link #commit}, so a step refused as bad input
     * leaves the cache as it was.
     */
    public Step plan(long[][] newMask) {
        if (newMask.length != batchSize) {
            throw new InvalidInputException(
                    "batch of " + newMask.length + " rows does not match the cache's " + batchSize);
        }
        long[] next = nextPosition.clone();
        long[][] positions = positions(newMask, next);
        int steps = newMask[0].length;
        long[][] merged = new long[batchSize][];
        for (int b = 0; b < batchSize; b++) {
            merged[b] = Arrays.copyOf(attentionMask[b], attentionMask[b].length + steps);
            System.arraycopy(newMask[b], 0, merged[b], attentionMask[b].length, steps);
        }
        return new Step(positions, merged, next);
    }

    /** Makes a planned step part of the cache, after its forward pass ran. */
    public void commit(Step step) {
        attentionMask = step.keyMask();
        System.arraycopy(step.nextPosition(), 0, nextPosition, 0, batchSize);
    }

    /** A planned step: position ids of the new tokens, the mask over all slots, the next positions. */
    public record Step(long[][] positions, long[][] keyMask, long[] nextPosition) {}

    /**
     * Position ids for a step: each real token gets its row's next position, padding gets 1 (as
     * HF does). Advances {@code nextPosition}.
     */
    public static long[][] positions(long[][] mask, long[] nextPosition) {
        int steps = mask[0].length;
        long[][] positions = new long[mask.length][steps];
        for (int b = 0; b < mask.length; b++) {
            if (mask[b].length != steps) {
                throw new InvalidInputException("attention mask rows have different lengths");
            }
            for (int s = 0; s < steps; s++) {
                positions[b][s] = mask[b][s] == 0 ? 1 : nextPosition[b]++;
            }
        }
        return positions;
    }

    @Override
    public void close() {
        manager.close();
    }
}
