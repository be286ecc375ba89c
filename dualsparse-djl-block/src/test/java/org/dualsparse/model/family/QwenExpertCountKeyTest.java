package org.dualsparse.model.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.HfConfig;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;

/**
 * transformers v5 saves Qwen3-MoE's expert count as {@code num_local_experts} (its config class
 * maps {@code num_experts} onto it); Qwen2-MoE's config class has no such alias.
 */
class QwenExpertCountKeyTest {

    @Test
    void qwen3ReadsEitherSpellingAndTheExporterWritesTheOneItRead() {
        JsonObject hub = TinyConfigs.qwen3Moe();
        JsonObject v5 = TinyConfigs.qwen3Moe();
        v5.add("num_local_experts", v5.remove("num_experts"));
        QwenFeedForward fromHub = new Qwen3Moe().parseConfig(hf(hub)).feedForward();
        QwenFeedForward fromV5 = new Qwen3Moe().parseConfig(hf(v5)).feedForward();
        assertEquals(fromHub.numExperts(), fromV5.numExperts());
        assertEquals("num_experts", new Qwen3Moe().expertLayout(hf(hub)).orElseThrow().keys().numExperts());
        assertEquals("num_local_experts", new Qwen3Moe().expertLayout(hf(v5)).orElseThrow().keys().numExperts());
    }

    @Test
    void disagreeingSpellingsAreRefused() {
        JsonObject both = TinyConfigs.qwen3Moe();
        both.addProperty("num_local_experts", both.get("num_experts").getAsInt() + 1);
        ConfigException e = assertThrows(ConfigException.class, () -> new Qwen3Moe().parseConfig(hf(both)));
        assertTrue(e.getMessage().contains("num_experts") && e.getMessage().contains("num_local_experts"), e.getMessage());
    }

    @Test
    void qwen2IgnoresNumLocalExpertsAsItsConfigClassDoes() {
        JsonObject config = TinyConfigs.qwen2Moe();
        int experts = config.get("num_experts").getAsInt();
        config.addProperty("num_local_experts", experts + 3);
        assertEquals(experts, new Qwen2Moe().parseConfig(hf(config)).feedForward().numExperts());
    }

    private static HfConfig hf(JsonObject json) {
        return new HfConfig(json, "test config");
    }
}
