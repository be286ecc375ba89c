package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * What a self-attention layer reads besides its hidden states in one forward step: the rotary
 * angles and the masks, shared by every layer of the step, and the layer's own cache entry.
 *
 * @param cos {@code [B, 1, S, dim]} cosines of the rotary angles
 * @param sin {@code [B, 1, S, dim]} sines of the rotary angles
 * @param cache the layer's cached tensors, or null for a single full pass
 */
public record AttentionInputs(NDArray cos, NDArray sin, AttentionMasks masks, KvCache.Layer cache) {

    /**
     * The inputs of a self-attention block run on its own through DJL's {@code forward}: {@code
     * [x, cos, sin, additive mask (B, 1, S, T)]}, no cache.
     */
    static AttentionInputs of(NDList inputs) {
        if (inputs.size() != 4) {
            throw new IllegalArgumentException(
                    "a self-attention block takes [x, cos, sin, additive mask]; got " + inputs.size() + " arrays");
        }
        return new AttentionInputs(inputs.get(1), inputs.get(2), AttentionMasks.given(inputs.get(3)), null);
    }

    /** These inputs for a layer with cache entry {@code layerCache} (null for none). */
    AttentionInputs withCache(KvCache.Layer layerCache) {
        return new AttentionInputs(cos, sin, masks, layerCache);
    }

    /** The additive mask for a sliding window of {@code slidingWindow} slots, 0 for none. */
    public NDArray mask(int slidingWindow) {
        return masks.forWindow(slidingWindow);
    }
}
