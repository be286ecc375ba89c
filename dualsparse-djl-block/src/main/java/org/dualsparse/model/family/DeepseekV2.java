package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.config.YarnScaling;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.decoder.MultiHeadLatentAttention;
import org.dualsparse.moe.Router;
import org.dualsparse.nn.RotaryEmbedding;
import org.dualsparse.nn.WeightSource;

/**
 * DeepSeek-V2 and V2-Lite ({@code DeepseekV2ForCausalLM}, hub remote code, and transformers'
 * native class of the same name, whose differences {@link #isTransformersNative} lists):
 * multi-head latent attention with optionally YaRN-scaled rotary keys, and DeepSeek-MoE's feed-forward layers
 * behind V2's router: softmax over fp32 logits, top-K by {@code greedy} or {@code
 * group_limited_greedy} (each token picks among the experts of its {@code topk_group} best of
 * {@code n_group} groups), then renormalised when {@code K > 1 && norm_topk_prob}, otherwise
 * multiplied by {@code routed_scaling_factor}.
 */
public final class DeepseekV2 implements ModelFamily<DeepseekV2.Config> {

    /**
     * @param yarn the rope scaling, null for none
     * @param routedScalingFactor applied to the gate weights that are not renormalised
     * @param expertGroups {@code n_group} of {@code group_limited_greedy}, 1 for {@code greedy}
     * @param groupsPerToken {@code topk_group} of {@code group_limited_greedy}, 1 for {@code greedy}
     */
    public record Config(
            DecoderConfig decoder,
            MultiHeadLatentAttention.Spec attention,
            YarnScaling yarn,
            DeepseekFeedForward feedForward,
            double routedScalingFactor,
            int expertGroups,
            int groupsPerToken) implements FamilyConfig {

        /** The remote {@code MoEGate}: scaling applies only where the weights are not renormalised. */
        public Router.Spec routing() {
            Router.Spec greedy = feedForward.routing();
            return greedy.withRoutedScalingFactor(greedy.normTopKProb() ? 1 : routedScalingFactor)
                    .withGroupLimit(expertGroups, groupsPerToken);
        }
    }

    @Override
    public String modelType() {
        return "deepseek_v2";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        DecoderConfig d = DecoderConfig.parseWithRopeScaling(c, 1e-6, 10000);
        Families.requireUnslicedProjections(c);
        boolean transformersNative = isTransformersNative(c);
        YarnScaling yarn = YarnScaling.parse(c, transformersNative);
        if (c.boolOr("attention_bias", false)) {
            throw c.unsupported("attention_bias", "multi-head latent attention is implemented without projection biases");
        }
        DeepseekFeedForward feedForward = transformersNative
                ? DeepseekFeedForward.parse(c).asTransformersNative()
                : DeepseekFeedForward.parse(c);
        int groups = 1;
        int chosen = 1;
        String method = c.stringOr("topk_method", "greedy");
        switch (method) {
            case "greedy" -> { }
            case "group_limited_greedy" -> {
                groups = c.requirePositiveInt("n_group");
                chosen = c.requirePositiveInt("topk_group");
                checkGroups(c, feedForward, groups, chosen);
            }
            default -> throw c.unsupported("topk_method", "only greedy and group_limited_greedy are implemented");
        }
        return new Config(
                d, attention(c, d, yarn), yarn, feedForward, c.doubleOr("routed_scaling_factor", 1.0), groups, chosen);
    }

    /**
     * Whether {@code c} was written for transformers' native {@code DeepseekV2ForCausalLM} (v5
     * writes {@code rope_parameters}) rather than for the hub's remote code (named by {@code
     * auto_map}, rope in {@code rope_theta} / {@code rope_scaling}). The two differ in routing,
     * dense layers and YaRN's cos/sin factor; see {@link DeepseekFeedForward#asTransformersNative()}
     * and {@link YarnScaling#parse(HfConfig, boolean)}.
     */
    static boolean isTransformersNative(HfConfig c) {
        return c.has("rope_parameters") && !c.has("auto_map");
    }

    /** The MLA dimensions (remote config class defaults); the softmax scale is {@code (n + ρ)^-½} times YaRN's correction. */
    private static MultiHeadLatentAttention.Spec attention(HfConfig c, DecoderConfig d, YarnScaling yarn) {
        int kvLoraRank = c.intOr("kv_lora_rank", 512);
        int nope = c.intOr("qk_nope_head_dim", 128);
        int rope = c.intOr("qk_rope_head_dim", 64);
        int value = c.intOr("v_head_dim", 128);
        if (kvLoraRank <= 0 || nope <= 0 || rope <= 0 || value <= 0 || rope % 2 != 0) {
            throw new ConfigException(c.source() + ": kv_lora_rank = " + kvLoraRank + ", qk_nope_head_dim = " + nope
                    + ", qk_rope_head_dim = " + rope + ", v_head_dim = " + value
                    + ": all must be positive and the rope dim even");
        }
        double scale = (yarn == null ? 1 : yarn.logitScale()) / Math.sqrt(nope + rope);
        return new MultiHeadLatentAttention.Spec(
                d.hiddenSize(), d.numHeads(), queryLoraRank(c), kvLoraRank, nope, rope, value, scale);
    }

    /** {@code q_lora_rank}: null for a plain {@code q_proj}; absent means the config class default. */
    private static int queryLoraRank(HfConfig c) {
        if (!c.json().has("q_lora_rank")) {
            return 1536;
        }
        return c.has("q_lora_rank") ? c.requirePositiveInt("q_lora_rank") : 0;
    }

    private static void checkGroups(HfConfig c, DeepseekFeedForward ffn, int groups, int chosen) {
        int experts = ffn.numExperts();
        if (experts % groups != 0 || chosen > groups || ffn.topK() > chosen * (experts / groups)) {
            throw new ConfigException(c.source() + ": group_limited_greedy with n_group = " + groups + ", topk_group = "
                    + chosen + " cannot pick num_experts_per_tok = " + ffn.topK() + " of n_routed_experts = " + experts);
        }
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        int rope = c.attention().ropeHeadDim();
        RotaryEmbedding rotary = c.yarn() == null
                ? RotaryEmbedding.standard(rope, d.ropeTheta())
                : RotaryEmbedding.yarn(rope, d.ropeTheta(), c.yarn());
        Router.Spec routing = c.routing();
        return CausalLmBlock.load(
                d,
                rotary,
                w,
                (layer, prefix) -> new MultiHeadLatentAttention(c.attention(), w, prefix),
                (layer, prefix) -> c.feedForward().build(layer, prefix, w, d.hiddenSize(), routing));
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig config) {
        Config c = parseConfig(config);
        return Optional.of(c.feedForward().expertLayout(c.expertGroups() > 1));
    }
}
