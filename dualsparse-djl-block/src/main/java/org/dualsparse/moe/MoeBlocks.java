package org.dualsparse.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.dualsparse.model.CausalLmBlock;
import org.dualsparse.model.DecoderLayer;

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

    /** Replaces every MoE block by {@code replacement.apply(block)}; dense layers are untouched. */
    public static void replaceAll(CausalLmBlock model, UnaryOperator<SparseMoeBlock> replacement) {
        for (DecoderLayer layer : model.layers()) {
            if (layer.ffn() instanceof SparseMoeBlock moe) {
                layer.replaceFfn(replacement.apply(moe));
            }
        }
    }
}
