package org.dualsparse.model.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.function.Consumer;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.MultiHeadLatentAttention;
import org.dualsparse.model.Presets;
import org.dualsparse.moe.Router;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;

/**
 * DeepSeek configs read as the hub remote code reads them (or, for a V2 config in transformers'
 * native format, as its native class does), and switches this code lacks are refused by name.
 */
class DeepseekConfigTest {

    @Test
    void v2LitePresetHasThePublishedShape() {
        HfConfig hf = Presets.load("deepseek-v2-lite", 0);
        assertTrue(ModelRegistry.forConfig(hf) instanceof DeepseekV2);
        DeepseekV2.Config c = new DeepseekV2().parseConfig(hf);
        MultiHeadLatentAttention.Spec a = c.attention();
        assertEquals(0, a.queryLoraRank());
        assertEquals(512, a.kvLoraRank());
        assertEquals(128, a.nopeHeadDim());
        assertEquals(64, a.ropeHeadDim());
        assertEquals(128, a.valueHeadDim());
        // 192^-½ · m², m = 0.1 · 0.707 · ln 40 + 1 ≈ 1.2608
        assertEquals(0.11472, a.softmaxScale(), 1e-5);
        assertEquals(1.0, c.yarn().cosSinScale(), 1e-12);
        Router.Spec routing = c.routing();
        assertEquals(new Router.Spec(64, 6, false), routing);
        DeepseekFeedForward ffn = c.feedForward();
        assertFalse(ffn.isSparse(0));
        assertTrue(ffn.isSparse(1) && ffn.isSparse(26));
        assertEquals(2, ffn.sharedExperts());
        assertEquals(1408, ffn.moeIntermediateSize());
        assertEquals(10944, ffn.intermediateSize());
    }

    @Test
    void moe16bPresetHasThePublishedShape() {
        HfConfig hf = Presets.load("deepseek-moe-16b", 0);
        assertTrue(ModelRegistry.forConfig(hf) instanceof DeepseekMoe);
        DeepseekMoe.Config c = new DeepseekMoe().parseConfig(hf);
        assertEquals(128, c.decoder().headDim());
        assertEquals(new Router.Spec(64, 6, false), c.feedForward().routing());
        assertFalse(c.feedForward().isSparse(0));
        assertTrue(c.feedForward().isSparse(27));
    }

    @Test
    void routerFollowsTheRemoteGate() {
        // group_limited_greedy, routed_scaling_factor 2.5 on unrenormalised weights
        assertEquals(new Router.Spec(8, 3, false, 2.5, 4, 2), v2(TinyConfigs.deepseekV2()).routing());
        // renormalised weights are not scaled
        assertEquals(new Router.Spec(8, 2, true, 1, 2, 1), v2(TinyConfigs.deepseekV2NormTopk()).routing());
        // norm_topk_prob with K = 1 does nothing
        DeepseekMoe.Config topOne = new DeepseekMoe().parseConfig(hf(TinyConfigs.deepseekMoeTopOneBiased()));
        assertFalse(topOne.feedForward().routing().normTopKProb());
        assertTrue(topOne.attentionBias());
    }

    @Test
    void layerScheduleFollowsFirstKDenseReplaceAndMoeLayerFreq() {
        DeepseekFeedForward ffn = new DeepseekMoe().parseConfig(hf(TinyConfigs.deepseekMoe())).feedForward();
        boolean[] sparse = new boolean[5];
        for (int i = 0; i < 5; i++) {
            sparse[i] = ffn.isSparse(i);
        }
        assertEquals("[false, false, true, false, true]", java.util.Arrays.toString(sparse));
        JsonObject dense = TinyConfigs.deepseekMoe();
        dense.remove("n_routed_experts");
        assertFalse(new DeepseekMoe().parseConfig(hf(dense)).feedForward().isSparse(2));
    }

    @Test
    void queryLoraRankNullMeansPlainProjectionAndAbsentMeansTheClassDefault() {
        assertEquals(0, v2(TinyConfigs.deepseekV2Lite()).attention().queryLoraRank());
        JsonObject absent = TinyConfigs.deepseekV2Lite();
        absent.remove("q_lora_rank");
        assertEquals(1536, v2(absent).attention().queryLoraRank());
    }

    @Test
    void withoutRopeScalingThereIsNoYarnCorrection() {
        JsonObject plain = TinyConfigs.deepseekV2Lite();
        plain.remove("rope_scaling");
        DeepseekV2.Config c = v2(plain);
        assertNull(c.yarn());
        assertEquals(1 / Math.sqrt(16), c.attention().softmaxScale(), 1e-15);
    }

    @Test
    void switchesThisCodeDoesNotImplementAreRefusedByName() {
        assertRefused("topk_method", TinyConfigs.deepseekV2(), j -> j.addProperty("topk_method", "noaux_tc"));
        assertRefused("scoring_func", TinyConfigs.deepseekV2(), j -> j.addProperty("scoring_func", "sigmoid"));
        assertRefused("scoring_func", TinyConfigs.deepseekMoe(), j -> j.addProperty("scoring_func", "sigmoid"));
        assertRefused("pretraining_tp", TinyConfigs.deepseekMoe(), j -> j.addProperty("pretraining_tp", 2));
        assertRefused("pretraining_tp", TinyConfigs.deepseekV2Lite(), j -> j.addProperty("pretraining_tp", 4));
        assertRefused("attention_bias", TinyConfigs.deepseekV2Lite(), j -> j.addProperty("attention_bias", true));
        assertRefused("type", TinyConfigs.deepseekV2Lite(), j -> j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 2.0}")));
        assertRefused("type", TinyConfigs.deepseekV2Lite(), j -> j.add("rope_scaling", json("{\"type\": \"dynamic\", \"factor\": 2.0}")));
        assertRefused("truncate", TinyConfigs.deepseekV2Lite(), j -> j.getAsJsonObject("rope_scaling").addProperty("truncate", false));
        assertRefused("rope_type", TinyConfigs.deepseekV2Lite(), j -> {
            j.remove("rope_scaling");
            j.add("rope_parameters", json("{\"rope_type\": \"longrope\", \"rope_theta\": 10000.0}"));
        });
        assertRefused("rope_scaling", TinyConfigs.deepseekMoe(), j -> j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 2.0}")));
        assertRefused("n_group", TinyConfigs.deepseekV2(), j -> j.remove("n_group"));
        assertRefused("n_group", TinyConfigs.deepseekV2(), j -> j.addProperty("n_group", 3));
        assertRefused("topk_group", TinyConfigs.deepseekV2(), j -> j.addProperty("topk_group", 1)); // 3 experts from 1 group of 2
        assertRefused("head_dim", TinyConfigs.deepseekMoe(), j -> j.addProperty("head_dim", 16));
    }

    /** A config where the remote code and transformers' native class agree (both mscales set, no renormalisation, every layer from the first MoE one on MoE). */
    @Test
    void yarnInTransformersV5SpellingReadsLikeTheHubOne() {
        assertEquals(v2(TinyConfigs.deepseekV2()), v2(nativeSpelling(TinyConfigs.deepseekV2())));
    }

    /**
     * transformers' native {@code DeepseekV2ForCausalLM} (config written with {@code
     * rope_parameters}, no {@code auto_map}) never renormalises, ignores {@code moe_layer_freq},
     * and without both mscales scales cos/sin by {@code 0.1·ln s + 1}; the same config with an
     * {@code auto_map} is the hub's remote code.
     */
    @Test
    void transformersNativeConfigsReadAsTheNativeClassDoes() {
        JsonObject config = nativeSpelling(TinyConfigs.deepseekV2NormTopk());
        config.getAsJsonObject("rope_parameters").addProperty("original_max_position_embeddings", 32);
        DeepseekV2.Config nativeClass = v2(config);
        config.add("auto_map", json("{\"AutoModelForCausalLM\": \"modeling_deepseek.DeepseekV2ForCausalLM\"}"));
        DeepseekV2.Config remote = v2(config);

        assertEquals(new Router.Spec(8, 2, false, 16, 2, 1), nativeClass.routing());
        assertEquals(new Router.Spec(8, 2, true, 1, 2, 1), remote.routing());
        assertTrue(nativeClass.feedForward().isSparse(1), "moe_layer_freq 2 is ignored by the native class");
        assertFalse(remote.feedForward().isSparse(1));
        // factor 4, mscale 0.707, mscale_all_dim 1.0: both set, so both read the ratio
        double ratio = (0.1 * 0.707 * Math.log(4) + 1) / (0.1 * Math.log(4) + 1);
        assertEquals(ratio, nativeClass.yarn().cosSinScale(), 1e-12);
        assertEquals(ratio, remote.yarn().cosSinScale(), 1e-12);

        config.remove("auto_map");
        config.getAsJsonObject("rope_parameters").remove("mscale_all_dim");
        assertEquals(0.1 * Math.log(4) + 1, v2(config).yarn().cosSinScale(), 1e-12);
        config.getAsJsonObject("rope_parameters").addProperty("attention_factor", 1.25);
        assertEquals(1.25, v2(config).yarn().cosSinScale(), 1e-12);
        config.getAsJsonObject("rope_parameters").remove("factor");
        config.addProperty("max_position_embeddings", 96);
        assertEquals(3.0, v2(config).yarn().factor(), 1e-12, "max_position_embeddings / original_max_position_embeddings");

        assertRefused("truncate", config, j -> j.getAsJsonObject("rope_parameters").addProperty("truncate", false));
        JsonObject noOriginal = nativeSpelling(TinyConfigs.deepseekV2NormTopk());
        assertRefused("original_max_position_embeddings", noOriginal, j -> { });
    }

    /** {@code config} as transformers v5 writes it: rope in {@code rope_parameters}. */
    private static JsonObject nativeSpelling(JsonObject config) {
        JsonObject rope = config.remove("rope_scaling").getAsJsonObject();
        rope.remove("type");
        rope.addProperty("rope_type", "yarn");
        rope.addProperty("rope_theta", config.remove("rope_theta").getAsDouble());
        config.add("rope_parameters", rope);
        return config;
    }

    private static DeepseekV2.Config v2(JsonObject json) {
        return new DeepseekV2().parseConfig(hf(json));
    }

    private static HfConfig hf(JsonObject json) {
        return new HfConfig(json, "test config");
    }

    private static void assertRefused(String key, JsonObject base, Consumer<JsonObject> edit) {
        edit.accept(base);
        HfConfig c = hf(base);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelRegistry.forConfig(c).parseConfig(c));
        assertTrue(e.getMessage().contains(key), "message \"" + e.getMessage() + "\" should name " + key);
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }
}
