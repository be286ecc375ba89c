package org.dualsparse.model.family;

import java.util.List;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.ExpertLayout;
import org.dualsparse.moe.ExpertWeights;

/**
 * Which layers of a Qwen MoE model are sparse: layer {@code i} is MoE iff {@code i ∉
 * mlp_only_layers}, {@code num_experts > 0} and {@code (i + 1) % decoder_sparse_step == 0};
 * the others are dense SwiGLU MLPs of width {@code intermediate_size}.
 */
public record QwenLayerSchedule(int numExperts, int decoderSparseStep, List<Integer> mlpOnlyLayers) {

    static QwenLayerSchedule parse(HfConfig c, int numLayers) {
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
        return new QwenLayerSchedule(c.intOr("num_experts", 0), step, List.copyOf(mlpOnly));
    }

    boolean isSparse(int layer) {
        return !mlpOnlyLayers.contains(layer) && numExperts > 0 && (layer + 1) % decoderSparseStep == 0;
    }

    /** The routed experts of the sparse layers, as both Qwen MoE families name them. */
    ExpertLayout expertLayout() {
        return new ExpertLayout(
                new ExpertLayout.ConfigKeys("num_experts", "num_experts_per_tok", "moe_intermediate_size"),
                "mlp", ExpertWeights.Names.HF, this::isSparse, ExpertLayout.Gating.SOFTMAX_TOP_K);
    }
}
