package org.dualsparse.model.family;

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
 * The feed-forward layers of DeepSeek-MoE v1 and DeepSeek-V2. Layer {@code i} is MoE iff {@code
 * n_routed_experts} is set, {@code i >= first_k_dense_replace} and {@code i % moe_layer_freq ==
 * 0}; the others are dense SwiGLU MLPs of width {@code intermediate_size}. An MoE layer has
 * {@code n_routed_experts} fine-grained experts of width {@code moe_intermediate_size} behind a
 * softmax router, plus {@code n_shared_experts} shared experts fused into one ungated SwiGLU of
 * width {@code n_shared_experts · moe_intermediate_size} that every token runs.
 *
 * @param numExperts {@code n_routed_experts}, 0 when null (every layer dense)
 * @param sharedExperts {@code n_shared_experts}, 0 when null
 */
public record DeepseekFeedForward(
        int numExperts,
        int topK,
        boolean normTopKProb,
        int intermediateSize,
        int moeIntermediateSize,
        int sharedExperts,
        int firstDenseLayers,
        int moeLayerFrequency) {

    /** Reads the MoE keys; defaults are those of the remote config classes. */
    static DeepseekFeedForward parse(HfConfig c) {
        if (!c.stringOr("scoring_func", "softmax").equals("softmax")) {
            throw c.unsupported("scoring_func", "only softmax routing is implemented");
        }
        int numExperts = c.has("n_routed_experts") ? c.requirePositiveInt("n_routed_experts") : 0;
        int sharedExperts = c.intOr("n_shared_experts", 0);
        int firstDense = c.intOr("first_k_dense_replace", 0);
        int frequency = c.intOr("moe_layer_freq", 1);
        if (sharedExperts < 0 || firstDense < 0 || frequency <= 0) {
            throw new ConfigException(c.source() + ": n_shared_experts = " + sharedExperts + ", first_k_dense_replace = "
                    + firstDense + ", moe_layer_freq = " + frequency + ": expected >= 0, >= 0, > 0");
        }
        return new DeepseekFeedForward(
                numExperts,
                numExperts > 0 ? Families.topK(c, "n_routed_experts") : 0,
                c.boolOr("norm_topk_prob", false),
                c.intOr("intermediate_size", 11008),
                c.intOr("moe_intermediate_size", 1407),
                sharedExperts,
                firstDense,
                frequency);
    }

    /**
     * These layers as transformers' native {@code DeepseekV2Moe} runs them: every layer from
     * {@code first_k_dense_replace} on is MoE and the top-K weights are never renormalised
     * (that class reads neither {@code moe_layer_freq} nor {@code norm_topk_prob}).
     */
    DeepseekFeedForward asTransformersNative() {
        return new DeepseekFeedForward(
                numExperts, topK, false, intermediateSize, moeIntermediateSize, sharedExperts, firstDenseLayers, 1);
    }

    boolean isSparse(int layer) {
        return numExperts > 0 && layer >= firstDenseLayers && layer % moeLayerFrequency == 0;
    }

    /** Softmax top-K, renormalised only when {@code K > 1 && norm_topk_prob}, as the remote {@code MoEGate} does. */
    Router.Spec routing() {
        return new Router.Spec(numExperts, topK, topK > 1 && normTopKProb);
    }

    /** Where the routed experts live, with {@code grouped} true for {@code group_limited_greedy} routing. */
    ExpertLayout expertLayout(boolean grouped) {
        ExpertLayout.Gating gating = grouped
                ? ExpertLayout.Gating.GROUP_LIMITED_TOP_K
                : topK == 1 && normTopKProb
                        ? ExpertLayout.Gating.SOFTMAX_TOP_ONE_UNNORMALISED
                        : ExpertLayout.Gating.SOFTMAX_TOP_K;
        return new ExpertLayout(
                new ExpertLayout.ConfigKeys("n_routed_experts", "num_experts_per_tok", "moe_intermediate_size", "n_shared_experts"),
                "mlp", ExpertWeights.Names.HF, this::isSparse, gating);
    }

    /** Layer {@code layer}'s {@code mlp} under {@code layerPrefix}: dense, or routed with {@code routing} plus shared experts. */
    FeedForward build(int layer, String layerPrefix, WeightSource w, int hiddenSize, Router.Spec routing) {
        String mlp = layerPrefix + "mlp.";
        if (!isSparse(layer)) {
            return new SwiGluMlp(w, mlp, hiddenSize, intermediateSize);
        }
        SharedExpert shared = sharedExperts == 0
                ? null
                : new SharedExpert(new SwiGluMlp(w, mlp + "shared_experts.", hiddenSize, sharedExperts * moeIntermediateSize), null);
        return new GroupedMoeBlock(
                layer,
                new Router(routing, w, mlp + "gate.weight", hiddenSize),
                ExpertWeights.load(w, mlp + "experts.", ExpertWeights.Names.HF, numExperts, hiddenSize, moeIntermediateSize),
                shared);
    }
}
