package org.dualsparse.model.family;

import java.util.List;
import java.util.function.BiFunction;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.HfConfig;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.nn.FeedForward;
import org.dualsparse.nn.SwiGluMlp;
import org.dualsparse.nn.WeightSource;

/**
 * The feed-forward layers of Qwen2-MoE and Qwen3-MoE. Layer {@code i} is MoE iff {@code i ∉
 * mlp_only_layers}, {@code num_experts > 0} and {@code (i + 1) % decoder_sparse_step == 0}, with
 * {@code num_experts} experts of width {@code moe_intermediate_size} behind a softmax top-K
 * router (renormalised when {@code norm_topk_prob}); the others are dense SwiGLU MLPs of width
 * {@code intermediate_size}.
 *
 * @param numExpertsKey the key that spells {@code num_experts} in this config: transformers v5
 *     saves Qwen3-MoE's as {@code num_local_experts}
 */
public record QwenFeedForward(
        String numExpertsKey,
        int numExperts,
        int topK,
        boolean normTopKProb,
        int intermediateSize,
        int moeIntermediateSize,
        int decoderSparseStep,
        List<Integer> mlpOnlyLayers) {

    /**
     * Reads the MoE keys; the defaults of the two families' config classes differ only in widths.
     *
     * @param aliasOfNumExperts another spelling of {@code num_experts} the family's config class
     *     maps onto it, or null
     */
    static QwenFeedForward parse(
            HfConfig c, int numLayers, int defaultIntermediate, int defaultMoeIntermediate, String aliasOfNumExperts) {
        int step = c.intOr("decoder_sparse_step", 1);
        if (step <= 0) {
            throw new ConfigException(c.source() + ": decoder_sparse_step = " + step + " must be positive");
        }
        List<Integer> mlpOnly = c.intListOr("mlp_only_layers", List.of());
        for (int layer : mlpOnly) {
            if (layer < 0 || layer >= numLayers) {
                throw new ConfigException(
                        c.source() + ": mlp_only_layers holds " + layer + ", outside [0, " + numLayers + ")");
            }
        }
        String expertsKey = numExpertsKey(c, aliasOfNumExperts);
        int numExperts = c.intOr(expertsKey, 0);
        return new QwenFeedForward(
                expertsKey,
                numExperts,
                numExperts > 0 ? Families.topK(c, expertsKey) : 0,
                c.boolOr("norm_topk_prob", false),
                c.intOr("intermediate_size", defaultIntermediate),
                c.intOr("moe_intermediate_size", defaultMoeIntermediate),
                step,
                List.copyOf(mlpOnly));
    }

    /** {@code num_experts}, or {@code alias} when only that is set; both set must agree. */
    private static String numExpertsKey(HfConfig c, String alias) {
        if (alias == null || !c.has(alias)) {
            return "num_experts";
        }
        if (c.has("num_experts") && c.requireInt("num_experts") != c.requireInt(alias)) {
            throw new ConfigException(c.source() + ": num_experts = " + c.requireInt("num_experts") + " and " + alias
                    + " = " + c.requireInt(alias) + " name the same count and must agree");
        }
        return c.has("num_experts") ? "num_experts" : alias;
    }

    boolean isSparse(int layer) {
        return !mlpOnlyLayers.contains(layer) && numExperts > 0 && (layer + 1) % decoderSparseStep == 0;
    }

    /**
     * Layer {@code layer}'s {@code mlp} under {@code layerPrefix}: dense, or routed experts plus
     * what {@code sharedExpert} builds from the {@code mlp.} prefix (null for none).
     */
    FeedForward build(int layer, String layerPrefix, WeightSource w, int hiddenSize,
            BiFunction<WeightSource, String, SharedExpert> sharedExpert) {
        String mlp = layerPrefix + "mlp.";
        if (!isSparse(layer)) {
            return new SwiGluMlp(w, mlp, hiddenSize, intermediateSize);
        }
        return new GroupedMoeBlock(
                layer,
                new Router(new Router.Spec(numExperts, topK, normTopKProb), w, mlp + "gate.weight", hiddenSize),
                ExpertWeights.load(w, mlp + "experts.", ExpertWeights.Names.HF, numExperts, hiddenSize, moeIntermediateSize),
                sharedExpert.apply(w, mlp));
    }

    /** The routed experts of the sparse layers, as both Qwen MoE families name them. */
    ExpertLayout expertLayout() {
        return new ExpertLayout(
                new ExpertLayout.ConfigKeys(numExpertsKey, "num_experts_per_tok", "moe_intermediate_size"),
                "mlp", ExpertWeights.Names.HF, this::isSparse, ExpertLayout.Gating.SOFTMAX_TOP_K);
    }
}
