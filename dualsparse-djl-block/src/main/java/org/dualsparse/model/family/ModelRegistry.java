package org.dualsparse.model.family;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.config.HfConfig;
import org.dualsparse.config.UnsupportedArchitectureException;

/** HF architecture name → model family, one line per architecture. */
public final class ModelRegistry {

    private static final Map<String, ModelFamily<?>> FAMILIES = new LinkedHashMap<>();

    static {
        FAMILIES.put("MixtralForCausalLM", new Mixtral());
        FAMILIES.put("OlmoeForCausalLM", new Olmoe());
        FAMILIES.put("Qwen2MoeForCausalLM", new Qwen2Moe());
        FAMILIES.put("Qwen3MoeForCausalLM", new Qwen3Moe());
        FAMILIES.put("DeepseekForCausalLM", new DeepseekMoe());
        FAMILIES.put("DeepseekV2ForCausalLM", new DeepseekV2());
    }

    private ModelRegistry() {}

    /** The supported HF architecture names. */
    public static List<String> architectures() {
        return List.copyOf(FAMILIES.keySet());
    }

    /**
     * The family of a checkpoint: by its first {@code architectures} entry, else by {@code
     * model_type}.
     */
    public static ModelFamily<?> forConfig(HfConfig config) {
        List<String> names = config.stringListOr("architectures", List.of());
        if (!names.isEmpty()) {
            ModelFamily<?> family = FAMILIES.get(names.get(0));
            if (family == null) {
                throw new UnsupportedArchitectureException(
                        config.source() + ": architecture " + names.get(0), architectures());
            }
            return family;
        }
        String modelType = config.stringOr("model_type", null);
        for (ModelFamily<?> family : FAMILIES.values()) {
            if (family.modelType().equals(modelType)) {
                return family;
            }
        }
        throw new UnsupportedArchitectureException(
                config.source() + ": model_type " + modelType, architectures());
    }
}
