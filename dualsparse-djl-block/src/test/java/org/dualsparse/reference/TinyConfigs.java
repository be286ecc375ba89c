package org.dualsparse.reference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tiny HF config.json objects, shaped like the hub configs of each family, that between them turn
 * every graph-changing switch the reference implements. Each call returns a fresh object.
 */
public final class TinyConfigs {

    private TinyConfigs() {}

    /** GQA 4/2, d/H head dim, sliding_window 5 on every layer, 4 experts top-2 (always renormalised). */
    public static JsonObject mixtral() {
        return parse("""
                {
                  "architectures": ["MixtralForCausalLM"],
                  "model_type": "mixtral",
                  "vocab_size": 96,
                  "hidden_size": 32,
                  "intermediate_size": 24,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "num_local_experts": 4,
                  "num_experts_per_tok": 2,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-05,
                  "rope_theta": 10000.0,
                  "sliding_window": 5,
                  "tie_word_embeddings": false,
                  "router_aux_loss_coef": 0.02,
                  "output_router_logits": false,
                  "attention_dropout": 0.0,
                  "use_cache": true,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** Tied embeddings, explicit head_dim 10 != d/H = 6, no window, 6 experts top-3. */
    public static JsonObject mixtralTied() {
        return parse("""
                {
                  "architectures": ["MixtralForCausalLM"],
                  "model_type": "mixtral",
                  "vocab_size": 80,
                  "hidden_size": 24,
                  "intermediate_size": 16,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "head_dim": 10,
                  "num_local_experts": 6,
                  "num_experts_per_tok": 3,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "sliding_window": null,
                  "tie_word_embeddings": true,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** Whole-projection q/k norm, GQA 4/2, 8 experts top-3 without renormalisation, no clipping. */
    public static JsonObject olmoe() {
        return parse("""
                {
                  "architectures": ["OlmoeForCausalLM"],
                  "model_type": "olmoe",
                  "vocab_size": 100,
                  "hidden_size": 32,
                  "intermediate_size": 16,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "num_experts": 8,
                  "num_experts_per_tok": 3,
                  "norm_topk_prob": false,
                  "clip_qkv": null,
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-05,
                  "rope_theta": 10000.0,
                  "rope_scaling": null,
                  "tie_word_embeddings": false,
                  "pad_token_id": 1,
                  "eos_token_id": 50,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** MHA like the hub OLMoE, renormalised top-2 of 4, clip_qkv 1.0 (clips many q/k entries). */
    public static JsonObject olmoeNormTopkClip() {
        return parse("""
                {
                  "architectures": ["OlmoeForCausalLM"],
                  "model_type": "olmoe",
                  "vocab_size": 64,
                  "hidden_size": 32,
                  "intermediate_size": 24,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "num_experts": 4,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": true,
                  "clip_qkv": 1.0,
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-05,
                  "rope_theta": 10000.0,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * Shared expert with sigmoid gate, q/k/v biases (qkv_bias absent, as on the hub: default true), GQA
     * 4/2, 6 experts top-2 without renormalisation; decoder_sparse_step 2 and mlp_only_layers [0] make
     * layers 0 and 2 dense and 1 and 3 MoE. The window keys are present but off, as in hub configs.
     */
    public static JsonObject qwen2Moe() {
        return parse("""
                {
                  "architectures": ["Qwen2MoeForCausalLM"],
                  "model_type": "qwen2_moe",
                  "vocab_size": 112,
                  "hidden_size": 32,
                  "intermediate_size": 48,
                  "moe_intermediate_size": 16,
                  "shared_expert_intermediate_size": 24,
                  "num_hidden_layers": 4,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "num_experts": 6,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": false,
                  "decoder_sparse_step": 2,
                  "mlp_only_layers": [0],
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "use_sliding_window": false,
                  "sliding_window": 3,
                  "max_window_layers": 4,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * use_sliding_window true: HF (v5) windows layer i iff i is even and i < max_window_layers, so with
     * 4 layers and max_window_layers 3 layers 0 and 2 slide (window 4) and 1 and 3 see everything.
     * Every layer MoE, renormalised top-2 of 4, qkv_bias explicit.
     */
    public static JsonObject qwen2MoeSlidingWindow() {
        return parse("""
                {
                  "architectures": ["Qwen2MoeForCausalLM"],
                  "model_type": "qwen2_moe",
                  "vocab_size": 90,
                  "hidden_size": 32,
                  "intermediate_size": 48,
                  "moe_intermediate_size": 16,
                  "shared_expert_intermediate_size": 20,
                  "num_hidden_layers": 4,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "num_experts": 4,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": true,
                  "decoder_sparse_step": 1,
                  "mlp_only_layers": [],
                  "qkv_bias": true,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "use_sliding_window": true,
                  "sliding_window": 4,
                  "max_window_layers": 3,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** head_dim 16 != d/H = 12, per-head q/k norm, GQA 4/2, 8 experts renormalised top-2, layer 1 dense. */
    public static JsonObject qwen3Moe() {
        return parse("""
                {
                  "architectures": ["Qwen3MoeForCausalLM"],
                  "model_type": "qwen3_moe",
                  "vocab_size": 128,
                  "hidden_size": 48,
                  "intermediate_size": 40,
                  "moe_intermediate_size": 20,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "head_dim": 16,
                  "num_experts": 8,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": true,
                  "decoder_sparse_step": 1,
                  "mlp_only_layers": [1],
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "rope_scaling": null,
                  "use_sliding_window": false,
                  "sliding_window": null,
                  "max_window_layers": 3,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * attention_bias true (q, k, v and o biases), tied embeddings, MQA (1 kv head), 4 experts top-3 not
     * renormalised; decoder_sparse_step 2 makes only layer 1 MoE.
     */
    public static JsonObject qwen3MoeAttentionBias() {
        return parse("""
                {
                  "architectures": ["Qwen3MoeForCausalLM"],
                  "model_type": "qwen3_moe",
                  "vocab_size": 72,
                  "hidden_size": 32,
                  "intermediate_size": 40,
                  "moe_intermediate_size": 12,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 1,
                  "head_dim": 8,
                  "num_experts": 4,
                  "num_experts_per_tok": 3,
                  "norm_topk_prob": false,
                  "decoder_sparse_step": 2,
                  "mlp_only_layers": [],
                  "attention_bias": true,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "use_sliding_window": false,
                  "sliding_window": null,
                  "tie_word_embeddings": true,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** use_sliding_window true: Qwen3-MoE then windows every layer (window 4); max_window_layers is unused. */
    public static JsonObject qwen3MoeSlidingWindow() {
        return parse("""
                {
                  "architectures": ["Qwen3MoeForCausalLM"],
                  "model_type": "qwen3_moe",
                  "vocab_size": 64,
                  "hidden_size": 32,
                  "intermediate_size": 40,
                  "moe_intermediate_size": 16,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "head_dim": 8,
                  "num_experts": 4,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": true,
                  "decoder_sparse_step": 1,
                  "mlp_only_layers": [],
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "use_sliding_window": true,
                  "sliding_window": 4,
                  "max_window_layers": 1,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /** Every config above, by method name. */
    public static Map<String, JsonObject> all() {
        Map<String, JsonObject> all = new LinkedHashMap<>();
        all.put("mixtral", mixtral());
        all.put("mixtralTied", mixtralTied());
        all.put("olmoe", olmoe());
        all.put("olmoeNormTopkClip", olmoeNormTopkClip());
        all.put("qwen2Moe", qwen2Moe());
        all.put("qwen2MoeSlidingWindow", qwen2MoeSlidingWindow());
        all.put("qwen3Moe", qwen3Moe());
        all.put("qwen3MoeAttentionBias", qwen3MoeAttentionBias());
        all.put("qwen3MoeSlidingWindow", qwen3MoeSlidingWindow());
        return all;
    }

    private static JsonObject parse(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
    }
}
