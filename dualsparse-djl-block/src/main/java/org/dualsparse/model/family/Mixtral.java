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
 * Mixtral ({@code MixtralForCausalLM}): GQA attention with an optional sliding window; every
 * layer a {@code block_sparse_moe} whose top-K gate weights are always renormalised.
 */
public final class Mixtral implements ModelFamily<Mixtral.Config> {

    private static final String MOE_BLOCK = "block_sparse_moe";

    /**
     * @param intermediateSize per-expert width ({@code intermediate_size})
     * @param slidingWindow {@code sliding_window}, 0 when null
     */
    public record Config(DecoderConfig decoder, int numExperts, int topK, int intermediateSize, int slidingWindow)
            implements FamilyConfig {}

    @Override
    public String modelType() {
        return "mixtral";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        String expertsKey = expertsKey(c);
        return new Config(
                DecoderConfig.parse(c, 1e-5, 1e6),
                c.requirePositiveInt(expertsKey),
                Families.topK(c, expertsKey),
                c.requirePositiveInt("intermediate_size"),
                c.intOr("sliding_window", 0));
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        Router.Spec routing = new Router.Spec(c.numExperts(), c.topK(), true);
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(d).withSlidingWindow(c.slidingWindow()),
                (layer, prefix) -> {
                    String moe = prefix + MOE_BLOCK + ".";
                    return new GroupedMoeBlock(
                            layer,
                            new Router(routing, w, moe + "gate.weight", d.hiddenSize()),
                            ExpertWeights.load(w, moe + "experts.", ExpertWeights.Names.MIXTRAL,
                                    c.numExperts(), d.hiddenSize(), c.intermediateSize()),
                            null);
                });
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(new ExpertLayout(
                new ExpertLayout.ConfigKeys(expertsKey(c), "num_experts_per_tok", "intermediate_size"),
                MOE_BLOCK, ExpertWeights.Names.MIXTRAL, layer -> true, ExpertLayout.Gating.SOFTMAX_TOP_K));
    }

    /** {@code num_local_experts}, or its alias {@code num_experts}. */
    private static String expertsKey(HfConfig c) {
        return c.has("num_local_experts") ? "num_local_experts" : "num_experts";
    }
}
