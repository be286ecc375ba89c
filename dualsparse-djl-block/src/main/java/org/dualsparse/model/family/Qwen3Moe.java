package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.Attention;
import org.dualsparse.model.CausalLmBlock;
import org.dualsparse.model.ExpertLayout;
import org.dualsparse.model.FamilyConfig;
import org.dualsparse.model.ModelFamily;
import org.dualsparse.model.SwiGluMlp;
import org.dualsparse.model.WeightSource;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.Router;

/**
 * Qwen3-MoE ({@code Qwen3MoeForCausalLM}): explicit {@code head_dim}, per-head q/k RMSNorm
 * before RoPE, optional attention biases, no shared expert, dense layers as in Qwen2-MoE, one
 * sliding window for every layer when {@code use_sliding_window} is set.
 */
public final class Qwen3Moe implements ModelFamily<Qwen3Moe.Config> {

    /** @param slidingWindow the window of every layer, or 0 */
    public record Config(
            DecoderConfig decoder, QwenLayerSchedule schedule, int topK, boolean normTopKProb,
            int intermediateSize, int moeIntermediateSize, boolean attentionBias, int slidingWindow)
            implements FamilyConfig {}

    @Override
    public String modelType() {
        return "qwen3_moe";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        DecoderConfig d = DecoderConfig.parse(c, 1e-6, 10000);
        QwenLayerSchedule schedule = QwenLayerSchedule.parse(c, d.numLayers());
        return new Config(
                d,
                schedule,
                schedule.numExperts() > 0 ? Families.topK(c, "num_experts") : 0,
                c.boolOr("norm_topk_prob", false),
                c.intOr("intermediate_size", 6144),
                c.intOr("moe_intermediate_size", 768),
                c.boolOr("attention_bias", false),
                c.boolOr("use_sliding_window", false) ? c.intOr("sliding_window", 4096) : 0);
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        int hidden = d.hiddenSize();
        Router.Spec routing = new Router.Spec(c.schedule().numExperts(), c.topK(), c.normTopKProb());
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(layer, d)
                        .withBias(c.attentionBias(), c.attentionBias())
                        .withQkNorm(Attention.QkNorm.PER_HEAD)
                        .withSlidingWindow(c.slidingWindow()),
                (layer, prefix) -> {
                    String mlp = prefix + "mlp.";
                    if (!c.schedule().isSparse(layer)) {
                        return new SwiGluMlp(w, mlp, hidden, c.intermediateSize());
                    }
                    return new GroupedMoeBlock(
                            new Router(routing, w, mlp + "gate.weight", hidden),
                            ExpertWeights.load(w, mlp + "experts.", ExpertWeights.Names.HF,
                                    c.schedule().numExperts(), hidden, c.moeIntermediateSize()),
                            null);
                });
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(parseConfig(c).schedule().expertLayout());
    }
}
