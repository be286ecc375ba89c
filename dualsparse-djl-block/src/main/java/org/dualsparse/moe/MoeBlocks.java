package org.dualsparse.moe;

import java.util.ArrayList;
import java.util.List;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.decoder.DecoderLayer;

/** Finds and replaces the sparse-MoE blocks of a loaded model. */
public final class MoeBlocks {

    private MoeBlocks() {}

    /** The MoE block of every layer that has one, in layer order. */
    public static List<SparseMoeBlock> of(CausalLmBlock model) {
        List<SparseMoeBlock> blocks = new ArrayList<>();
        for (DecoderLayer layer : model.layers()) {
            if (layer.ffn() instanceof SparseMoeBlock moe) {
                blocks.add(moe);
            }
        }
        return blocks;
    }

    /**
     * Attaches {@code observer} to every MoE block of {@code model}, for the calling thread's
     * forward passes, until the returned observation is closed; blocks replaced meanwhile are not
     * observed.
     *
     * @throws IllegalStateException when the calling thread already observes a block (none is then attached)
     */
    public static Observation observe(CausalLmBlock model, RoutingObserver observer) {
        List<Observation> attached = new ArrayList<>();
        try {
            for (SparseMoeBlock block : of(model)) {
                attached.add(block.observe(observer));
            }
        } catch (IllegalStateException e) {
            attached.forEach(Observation::close);
            throw e;
        }
        return new Observation(() -> attached.forEach(Observation::close));
    }

    /** Builds the block that takes the place of a layer's MoE block. */
    @FunctionalInterface
    public interface Replacement {
        SparseMoeBlock replace(int layer, SparseMoeBlock block);
    }

    /** Replaces every MoE block by {@code replacement}; dense layers are untouched. */
    public static void replaceAll(CausalLmBlock model, Replacement replacement) {
        List<DecoderLayer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).ffn() instanceof SparseMoeBlock moe) {
                layers.get(i).replaceFfn(replacement.replace(i, moe));
            }
        }
    }
}
