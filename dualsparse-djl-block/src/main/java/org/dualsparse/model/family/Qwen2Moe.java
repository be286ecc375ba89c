package org.dualsparse.model.family;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dualsparse.config.ConfigException;
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
import org.dualsparse.moe.SharedExpert;

/**
 * Qwen2-MoE ({@code Qwen2MoeForCausalLM}; Qwen1.5-MoE, Qwen2-57B-A14B): q/k/v biases, routed
 * experts plus one shared expert scaled by a per-token sigmoid gate, dense layers by {@code
 * decoder_sparse_step} / {@code mlp_only_layers}, sliding window on the layers {@code
 * layer_types} marks.
 *
 * @see QwenLayerSchedule
 */
public final class Qwen2Moe implements ModelFamily<Qwen2Moe.Config> {

    /**
     * @param slidingWindows per layer: the window, or 0 for full attention
     */
    public record Config(
            DecoderConfig decoder, QwenLayerSchedule schedule, int topK, boolean normTopKProb,
            int intermediateSize, int moeIntermediateSize, int sharedExpertIntermediateSize,
            boolean qkvBias, List<Integer> slidingWindows) implements FamilyConfig {}

    @Override
    public String modelType() {
        return "qwen2_moe";
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
                c.intOr("intermediate_size", 5632),
                c.intOr("moe_intermediate_size", 1408),
                c.intOr("shared_expert_intermediate_size", 5632),
                c.boolOr("qkv_bias", true),
                slidingWindows(c, d.numLayers()));
    }

    /** HF's {@code layer_types}, or its default: even layers below {@code max_window_layers} slide. */
    private static List<Integer> slidingWindows(HfConfig c, int numLayers) {
        boolean enabled = c.boolOr("use_sliding_window", false);
        int window = enabled ? c.intOr("sliding_window", 4096) : 0;
        List<String> types = c.stringListOr("layer_types", List.of());
        if (!types.isEmpty() && types.size() != numLayers) {
            throw new ConfigException(c.source() + ": layer_types has " + types.size() + " entries for " + numLayers + " layers");
        }
        int maxWindowLayers = c.intOr("max_window_layers", 28);
        List<Integer> windows = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            boolean sliding = types.isEmpty()
                    ? enabled && i % 2 == 0 && i < maxWindowLayers
                    : isSliding(c, types.get(i));
            windows.add(sliding ? window : 0);
        }
        return List.copyOf(windows);
    }

    private static boolean isSliding(HfConfig c, String type) {
        return switch (type) {
            case "sliding_attention" -> true;
            case "full_attention" -> false;
            default -> throw c.unsupported("layer_types", "unknown layer type \"" + type + "\"");
        };
    }

    @Override
    public CausalLmBlock build(Config c, WeightSource w) {
        DecoderConfig d = c.decoder();
        int hidden = d.hiddenSize();
        Router.Spec routing = new Router.Spec(c.schedule().numExperts(), c.topK(), c.normTopKProb());
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(layer, d).withBias(c.qkvBias(), false).withSlidingWindow(c.slidingWindows().get(layer)),
                (layer, prefix) -> {
                    String mlp = prefix + "mlp.";
                    if (!c.schedule().isSparse(layer)) {
                        return new SwiGluMlp(w, mlp, hidden, c.intermediateSize());
                    }
                    SharedExpert shared = new SharedExpert(
                            new SwiGluMlp(w, mlp + "shared_expert.", hidden, c.sharedExpertIntermediateSize()),
                            w.load(mlp + "shared_expert_gate.weight", 1, hidden));
                    return new GroupedMoeBlock(
                            new Router(routing, w, mlp + "gate.weight", hidden),
                            ExpertWeights.load(w, mlp + "experts.", ExpertWeights.Names.HF,
                                    c.schedule().numExperts(), hidden, c.moeIntermediateSize()),
                            shared);
                });
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(parseConfig(c).schedule().expertLayout());
    }
}
