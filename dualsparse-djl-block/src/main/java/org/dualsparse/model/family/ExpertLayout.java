package org.dualsparse.model.family;

import java.util.function.IntPredicate;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.moe.ExpertWeights;

/**
 * Where a family keeps its routed experts: the {@code config.json} keys that size them and the
 * checkpoint names of their routers and projections. With it a tool can rewrite the experts of
 * a checkpoint tensor by tensor, without building the model (complete-partition export).
 *
 * @param moeBlock the MoE block's name inside a decoder layer: the router of layer {@code l} is
 *     {@code model.layers.<l>.<moeBlock>.gate.weight}, projection {@code proj} of expert {@code e}
 *     {@code model.layers.<l>.<moeBlock>.experts.<e>.<proj>.weight}
 * @param projections the names of an expert's gate (W1), up (W3) and down (W2) projections
 * @param moeLayers which decoder layers hold routed experts
 */
public record ExpertLayout(
        ConfigKeys keys, String moeBlock, ExpertWeights.Names projections, IntPredicate moeLayers, Gating gating) {

    /**
     * The {@code config.json} keys of the routed experts.
     *
     * @param numExperts the routed-expert count E
     * @param topK the experts per token K
     * @param intermediateSize the width I of each routed expert
     * @param sharedExpertCount a count of shared experts whose width is {@code intermediateSize}
     *     (DeepSeek's {@code n_shared_experts}): scaled by P so the shared width stays; null if none
     */
    public record ConfigKeys(String numExperts, String topK, String intermediateSize, String sharedExpertCount) {

        public ConfigKeys(String numExperts, String topK, String intermediateSize) {
            this(numExperts, topK, intermediateSize, null);
        }
    }

    /** How the router turns its logits into the gate weights of the chosen experts. */
    public enum Gating {
        /** Softmax over all experts, then the K largest, renormalised over those K or not. */
        SOFTMAX_TOP_K,
        /** An independent sigmoid per expert, then the K largest. */
        SIGMOID_TOP_K,
        /**
         * Top-K restricted to each token's best expert groups (DeepSeek's {@code
         * group_limited_greedy}, {@code noaux_tc}).
         */
        GROUP_LIMITED_TOP_K,
        /**
         * Softmax top-K with {@code norm_topk_prob} set and K = 1: the family renormalises only
         * when K > 1 (DeepSeek), so the one weight stays the softmax probability.
         */
        SOFTMAX_TOP_ONE_UNNORMALISED
    }

    /** The name of layer {@code layer}'s {@code [E, d]} router weight. */
    public String routerName(int layer) {
        return CausalLmBlock.layerPrefix(layer) + moeBlock + ".gate.weight";
    }

    /** The prefix of every tensor of layer {@code layer}'s routed experts. */
    public String expertsPrefix(int layer) {
        return CausalLmBlock.layerPrefix(layer) + moeBlock + ".experts.";
    }

    /** The name of projection {@code projection} (one of {@link #projections}) of expert {@code expert}. */
    public String projectionName(int layer, int expert, String projection) {
        return ExpertWeights.tensorName(expertsPrefix(layer), expert, projection);
    }
}
