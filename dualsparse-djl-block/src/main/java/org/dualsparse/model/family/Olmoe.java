package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.Attention;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.Router;
import org.dualsparse.nn.WeightSource;

/**
 * OLMoE ({@code OlmoeForCausalLM}): q/k RMSNorm over the whole projection before heads are
 * split, optional q/k/v clipping, every layer MoE with optional top-K renormalisation.
 */
public final class Olmoe implements ModelFamily<Olmoe.Config> {

    /**
     * @param intermediateSize per-expert width ({@code intermediate_size})
     * @param clipQkv {@code clip_qkv}, NaN when null
     */
    public record Config(
            DecoderConfig decoder, int numExperts, int topK, int intermediateSize, boolean normTopKProb,
            boolean attentionBias, float clipQkv) implements FamilyConfig {}

    @Override
    public String modelType() {
        return "olmoe";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        return new Config(
                DecoderConfig.parse(c, 1e-5, 10000),
                c.requirePositiveInt("num_experts"),
                Families.topK(c, "num_experts"),
                c.requirePositiveInt("intermediate_size"),
                c.boolOr("norm_topk_prob", false),
                c.boolOr("attention_bias", false),
                Families.clipQkv(c));
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        Router.Spec routing = new Router.Spec(c.numExperts(), c.topK(), c.normTopKProb());
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(d)
                        .withBias(c.attentionBias(), c.attentionBias())
                        .withQkNorm(Attention.QkNorm.WHOLE_PROJECTION)
                        .withClipQkv(c.clipQkv()),
                (layer, prefix) -> new GroupedMoeBlock(
                        layer,
                        new Router(routing, w, prefix + "mlp.gate.weight", d.hiddenSize()),
                        ExpertWeights.load(w, prefix + "mlp.experts.", ExpertWeights.Names.HF,
                                c.numExperts(), d.hiddenSize(), c.intermediateSize()),
                        null));
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(new ExpertLayout(
                new ExpertLayout.ConfigKeys("num_experts", "num_experts_per_tok", "intermediate_size"),
                "mlp", ExpertWeights.Names.HF, layer -> true, ExpertLayout.Gating.SOFTMAX_TOP_K));
    }
}
