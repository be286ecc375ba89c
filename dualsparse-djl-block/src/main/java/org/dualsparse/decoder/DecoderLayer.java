package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.FeedForward;
import org.dualsparse.nn.RmsNorm;
import org.dualsparse.nn.WeightSource;

/**
 * One pre-norm decoder layer: {@code h = x + attn(norm(x))}, {@code out = h + ffn(norm(h))}.
 * The feed-forward is a dense MLP or a sparse-MoE block and can be swapped after loading.
 */
public final class DecoderLayer extends AbstractBlock {

    private static final String FFN = "mlp";

    private final RmsNorm inputNorm;
    private final SelfAttention attention;
    private final RmsNorm postAttentionNorm;
    private FeedForward ffn;

    /** Loads {@code input_layernorm} and {@code post_attention_layernorm} under {@code prefix}. */
    public DecoderLayer(SelfAttention attention, FeedForward ffn, WeightSource w, String prefix, int hiddenSize, double eps) {
        inputNorm = addChildBlock("input_layernorm", new RmsNorm(w.load(prefix + "input_layernorm.weight", hiddenSize), eps));
        this.attention = addChildBlock("self_attn", attention);
        postAttentionNorm = addChildBlock(
                "post_attention_layernorm", new RmsNorm(w.load(prefix + "post_attention_layernorm.weight", hiddenSize), eps));
        this.ffn = addChildBlock(FFN, ffn);
    }

    /** The self-attention block ({@link Attention}, or a family's own such as multi-head latent attention). */
    public SelfAttention attention() {
        return attention;
    }

    /** The feed-forward block: a dense MLP or a sparse-MoE block. */
    public FeedForward ffn() {
        return ffn;
    }

    /** Puts {@code replacement} in place of the feed-forward block, keeping its child name. */
    public void replaceFfn(FeedForward replacement) {
        int index = children.values().indexOf(ffn);
        String name = children.keyAt(index);
        children.remove(index);
        children.add(index, name, replacement);
        ffn = replacement;
    }

    /**
     * Runs the layer on {@code x} {@code [B, S, d]}; the output carries the feed-forward's router
     * loss when {@code routerLoss} is asked and the slot is sparse.
     */
    public FeedForward.Output apply(ParameterStore ps, NDArray x, AttentionInputs in, boolean routerLoss) {
        NDArray h = x.add(attention.attend(ps, inputNorm.apply(ps, x), in));
        FeedForward.Output ffnOut = ffn.apply(ps, postAttentionNorm.apply(ps, h), routerLoss);
        return new FeedForward.Output(h.add(ffnOut.hidden()), ffnOut.routerLoss());
    }

    /** Runs on its own: inputs {@code [x, cos, sin, additive mask]}, see {@link AttentionInputs#of}. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.get(0), AttentionInputs.of(inputs), false).hidden());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
