package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The attention state of a batch of sequences across decoding steps. Each layer keeps the
 * tensors its attention names ({@link Slot}), concatenated along their sequence axis; the cache
 * also remembers the attention mask and the next position id of every row so that callers pass
 * only the new tokens.
 *
 * <p>The cache owns its arrays in its own manager: close it when the generation ends.
 */
public final class KvCache implements AutoCloseable {

    /** What a layer caches: keys and values for standard attention, latents and rotary keys for MLA. */
    public enum Slot {
        /** {@code [B, kvHeads, T, hd]} rotated keys. */
        KEY(2),
        /** {@code [B, kvHeads, T, hd]} values. */
        VALUE(2),
        /** {@code [B, T, r]} normalised latents of multi-head latent attention. */
        LATENT(1),
        /** {@code [B, 1, T, ρ]} rotated rope keys of multi-head latent attention, shared by all heads. */
        ROTARY_KEY(2);

        private final int sequenceAxis;

        Slot(int sequenceAxis) {
            this.sequenceAxis = sequenceAxis;
        }
    }

    /** The cached tensors of one layer. */
    public final class Layer {

        private final NDArray[] slots = new NDArray[Slot.values().length];

        private Layer() {}

        /**
         * Appends {@code fresh} to {@code slot} along the slot's sequence axis and returns
         * everything cached there, as a view in {@code fresh}'s manager: the ops of the step
         * never allocate in the cache's.
         */
        public NDArray append(Slot slot, NDArray fresh) {
            long rows = fresh.getShape().get(0);
            if (rows != batchSize) {
                throw new IllegalArgumentException(
                        slot + " of " + rows + " rows appended to a cache of " + batchSize + " rows");
            }
            NDArray past = slots[slot.ordinal()];
            NDArray all;
            if (past == null) {
                all = fresh.duplicate();
            } else {
                all = NDArrays.concat(new NDList(past, fresh), slot.sequenceAxis);
                past.close();
            }
            all.attach(manager);
            slots[slot.ordinal()] = all;
            return all.get(fresh.getManager(), new NDIndex("..."));
        }
    }

    private final NDManager manager;
    private final List<Layer> layers;
    private final int batchSize;
    private long[][] attentionMask;
    private final long[] nextPosition;

    public KvCache(NDManager parent, int numLayers, int batchSize) {
        this.manager = parent.newSubManager();
        List<Layer> all = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            all.add(new Layer());
        }
        this.layers = List.copyOf(all);
        this.batchSize = batchSize;
        this.attentionMask = new long[batchSize][0];
        this.nextPosition = new long[batchSize];
    }

    /** The cached tensors of decoder layer {@code layer}. */
    public Layer layer(int layer) {
        return layers.get(Objects.checkIndex(layer, layers.size()));
    }

    public int batchSize() {
        return batchSize;
    }

    /** Number of cached sequence slots (including left padding). */
    public int length() {
        return attentionMask[0].length;
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
