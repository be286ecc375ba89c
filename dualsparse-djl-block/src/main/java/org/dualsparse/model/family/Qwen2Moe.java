package org.dualsparse.model.family;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.Attention;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.moe.SharedExpert;
import org.dualsparse.nn.SwiGluMlp;
import org.dualsparse.nn.WeightSource;

/**
 * Qwen2-MoE ({@code Qwen2MoeForCausalLM}; Qwen1.5-MoE, Qwen2-57B-A14B): q/k/v biases, routed
 * experts plus one shared expert scaled by a per-token sigmoid gate, dense layers by {@code
 * decoder_sparse_step} / {@code mlp_only_layers}, sliding window on the layers {@code
 * layer_types} marks.
 *
 * @see QwenFeedForward
 */
public final class Qwen2Moe implements ModelFamily<Qwen2Moe.Config> {

    /**
     * @param slidingWindows per layer: the window, or 0 for full attention
     */
    public record Config(
            DecoderConfig decoder, QwenFeedForward feedForward, int sharedExpertIntermediateSize,
            boolean qkvBias, List<Integer> slidingWindows) implements FamilyConfig {}

    @Override
    public String modelType() {
        return "qwen2_moe";
    }

    @Override
    public Config parseConfig(HfConfig c) {
        DecoderConfig d = DecoderConfig.parse(c, 1e-6, 10000);
        return new Config(
                d,
                QwenFeedForward.parse(c, d.numLayers(), 5632, 1408, null),
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
        return CausalLmBlock.load(
                d,
                w,
                layer -> Attention.Spec.of(d).withBias(c.qkvBias(), false).withSlidingWindow(c.slidingWindows().get(layer)),
                (layer, prefix) -> c.feedForward().build(layer, prefix, w, hidden, (weights, mlp) -> new SharedExpert(
                        new SwiGluMlp(weights, mlp + "shared_expert.", hidden, c.sharedExpertIntermediateSize()),
                        weights.load(mlp + "shared_expert_gate.weight", 1, hidden))));
    }

    @Override
    public Optional<ExpertLayout> expertLayout(HfConfig c) {
        return Optional.of(parseConfig(c).feedForward().expertLayout());
    }
}
