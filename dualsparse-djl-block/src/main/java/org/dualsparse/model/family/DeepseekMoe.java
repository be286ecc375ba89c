package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.Attention;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.moe.Router;
import org.dualsparse.nn.WeightSource;

/**
 * DeepSeek-MoE v1 ({@code DeepseekForCausalLM}, deepseek-moe-16b, hub remote code): Llama
 * attention (GQA, rotate-half RoPE, optional biases), then fine-grained routed experts plus
 * ungated shared experts on the layers {@link DeepseekFeedForward} selects, dense SwiGLU on the
 * others.
 */
public final class DeepseekMoe implements ModelFamily<DeepseekMoe.Config> {

    /** @param attentionBias {@code attention_bias}: q, k, v and o projections carry biases */
    public record Config(DecoderConfig decoder, DeepseekFeedForward feedForward, boolean attentionBias)
            implements FamilyConfig {}

    @Override
    public String modelType() {
        return "deepseek";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        DecoderConfig d = DecoderConfig.parse(c, 1e-6, 10000);
        Families.requireUnslicedProjections(c);
        if (d.headDim() * d.numHeads() != d.hiddenSize()) {
            throw c.unsupported("head_dim", "DeepSeek-MoE's head dim is hidden_size / num_attention_heads");
        }
        return new Config(d, DeepseekFeedForward.parse(c), c.boolOr("attention_bias", false));
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        Router.Spec routing = c.feedForward().routing();
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(d).withBias(c.attentionBias(), c.attentionBias()),
                (layer, prefix) -> c.feedForward().build(layer, prefix, w, d.hiddenSize(), routing));
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig config) {
        Config c = parseConfig(config);
        return Optional.of(c.feedForward().expertLayout(false));
    }
}
