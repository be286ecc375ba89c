package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.Attention;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.nn.WeightSource;

/**
 * Qwen3-MoE ({@code Qwen3MoeForCausalLM}): explicit {@code head_dim}, per-head q/k RMSNorm
 * before RoPE, optional attention biases, no shared expert, dense layers as in Qwen2-MoE, one
 * sliding window for every layer when {@code use_sliding_window} is set.
 */
public final class Qwen3Moe implements ModelFamily<Qwen3Moe.Config> {

    /** @param slidingWindow the window of every layer, or 0 */
    public record Config(
            DecoderConfig decoder, QwenFeedForward feedForward, boolean attentionBias, int slidingWindow)
            implements FamilyConfig {}

    @Override
    public String modelType() {
        return "qwen3_moe";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        DecoderConfig d = DecoderConfig.parse(c, 1e-6, 10000);
        return new Config(
                d,
                QwenFeedForward.parse(c, d.numLayers(), 6144, 768, "num_local_experts"),
                c.boolOr("attention_bias", false),
                c.boolOr("use_sliding_window", false) ? c.intOr("sliding_window", 4096) : 0);
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        int hidden = d.hiddenSize();
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(d)
                        .withBias(c.attentionBias(), c.attentionBias())
                        .withQkNorm(Attention.QkNorm.PER_HEAD)
                        .withSlidingWindow(c.slidingWindow()),
                (layer, prefix) -> c.feedForward().build(layer, prefix, w, hidden, (weights, mlp) -> null));
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(parseConfig(c).feedForward().expertLayout());
    }
}
