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

    /**
     * DeepSeek-MoE v1: GQA 4/2, 8 routed experts top-3 renormalised (K > 1), 2 shared experts;
     * first_k_dense_replace 1 and moe_layer_freq 2 make layers 2 and 4 MoE, 0, 1 and 3 dense.
     */
    public static JsonObject deepseekMoe() {
        return parse("""
                {
                  "architectures": ["DeepseekForCausalLM"],
                  "model_type": "deepseek",
                  "vocab_size": 96,
                  "hidden_size": 32,
                  "intermediate_size": 48,
                  "moe_intermediate_size": 12,
                  "num_hidden_layers": 5,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 2,
                  "n_routed_experts": 8,
                  "n_shared_experts": 2,
                  "num_experts_per_tok": 3,
                  "norm_topk_prob": true,
                  "first_k_dense_replace": 1,
                  "moe_layer_freq": 2,
                  "scoring_func": "softmax",
                  "aux_loss_alpha": 0.001,
                  "seq_aux": true,
                  "attention_bias": false,
                  "pretraining_tp": 1,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "rope_scaling": null,
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * DeepSeek-MoE v1, top-1 of 4 with norm_topk_prob true, which the remote gate ignores for K = 1 (the
     * weight stays the raw probability); no shared experts; attention_bias (q, k, v and o biases); tied
     * embeddings; every layer MoE.
     */
    public static JsonObject deepseekMoeTopOneBiased() {
        return parse("""
                {
                  "architectures": ["DeepseekForCausalLM"],
                  "model_type": "deepseek",
                  "vocab_size": 80,
                  "hidden_size": 32,
                  "intermediate_size": 40,
                  "moe_intermediate_size": 16,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "n_routed_experts": 4,
                  "n_shared_experts": null,
                  "num_experts_per_tok": 1,
                  "norm_topk_prob": true,
                  "first_k_dense_replace": 0,
                  "moe_layer_freq": 1,
                  "attention_bias": true,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000.0,
                  "tie_word_embeddings": true,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * Shaped like DeepSeek-V2-Lite: plain q_proj (q_lora_rank null), kv_lora_rank 16 (2r > nope + v, so a
     * full pass expands the latents), greedy top-2 of 8 unscaled, 2 shared experts, layer 0 dense; YaRN
     * factor 40 with mscale = mscale_all_dim (cos/sin unscaled, logits × m²) and a short original
     * context, so the frequency ramp blends interpolated and original frequencies.
     */
    public static JsonObject deepseekV2Lite() {
        return parse("""
                {
                  "architectures": ["DeepseekV2ForCausalLM"],
                  "model_type": "deepseek_v2",
                  "vocab_size": 88,
                  "hidden_size": 48,
                  "intermediate_size": 64,
                  "moe_intermediate_size": 12,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "q_lora_rank": null,
                  "kv_lora_rank": 16,
                  "qk_nope_head_dim": 8,
                  "qk_rope_head_dim": 8,
                  "v_head_dim": 8,
                  "n_routed_experts": 8,
                  "n_shared_experts": 2,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": false,
                  "routed_scaling_factor": 1.0,
                  "topk_method": "greedy",
                  "n_group": 1,
                  "topk_group": 1,
                  "first_k_dense_replace": 1,
                  "moe_layer_freq": 1,
                  "scoring_func": "softmax",
                  "aux_loss_alpha": 0.001,
                  "seq_aux": true,
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000,
                  "rope_scaling": {
                    "type": "yarn",
                    "factor": 40,
                    "original_max_position_embeddings": 64,
                    "beta_fast": 32,
                    "beta_slow": 1,
                    "mscale": 0.707,
                    "mscale_all_dim": 0.707
                  },
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * Shaped like DeepSeek-V2: q LoRA (q_a_proj, q_a_layernorm, q_b_proj); kv_lora_rank 8 (2r < nope + v,
     * so even a full pass attends in latent space); v_head_dim 12 != qk_nope_head_dim 8;
     * group_limited_greedy top-3 of 8 experts in 4 groups, 2 groups per token; routed_scaling_factor 2.5
     * on unrenormalised weights; one shared expert; YaRN factor 8 with mscale 1 != mscale_all_dim 0.8
     * (cos/sin and logits both rescaled) and non-default betas.
     */
    public static JsonObject deepseekV2() {
        return parse("""
                {
                  "architectures": ["DeepseekV2ForCausalLM"],
                  "model_type": "deepseek_v2",
                  "vocab_size": 90,
                  "hidden_size": 48,
                  "intermediate_size": 56,
                  "moe_intermediate_size": 12,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "q_lora_rank": 24,
                  "kv_lora_rank": 8,
                  "qk_nope_head_dim": 8,
                  "qk_rope_head_dim": 8,
                  "v_head_dim": 12,
                  "n_routed_experts": 8,
                  "n_shared_experts": 1,
                  "num_experts_per_tok": 3,
                  "norm_topk_prob": false,
                  "routed_scaling_factor": 2.5,
                  "topk_method": "group_limited_greedy",
                  "n_group": 4,
                  "topk_group": 2,
                  "first_k_dense_replace": 1,
                  "moe_layer_freq": 1,
                  "scoring_func": "softmax",
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000,
                  "rope_scaling": {
                    "type": "yarn",
                    "factor": 8,
                    "original_max_position_embeddings": 32,
                    "beta_fast": 16,
                    "beta_slow": 2,
                    "mscale": 1.0,
                    "mscale_all_dim": 0.8
                  },
                  "tie_word_embeddings": false,
                  "torch_dtype": "float32"
                }
                """);
    }

    /**
     * DeepSeek-V2 with norm_topk_prob true (top-2 renormalised, so routed_scaling_factor 16 is not
     * applied), group_limited_greedy with 1 of 2 groups, q LoRA, rope head dim 4, YaRN with default
     * betas and original context; first_k_dense_replace 0 and moe_layer_freq 2 make layers 0 and 2 MoE.
     */
    public static JsonObject deepseekV2NormTopk() {
        return parse("""
                {
                  "architectures": ["DeepseekV2ForCausalLM"],
                  "model_type": "deepseek_v2",
                  "vocab_size": 72,
                  "hidden_size": 40,
                  "intermediate_size": 48,
                  "moe_intermediate_size": 12,
                  "num_hidden_layers": 3,
                  "num_attention_heads": 4,
                  "num_key_value_heads": 4,
                  "q_lora_rank": 16,
                  "kv_lora_rank": 24,
                  "qk_nope_head_dim": 12,
                  "qk_rope_head_dim": 4,
                  "v_head_dim": 8,
                  "n_routed_experts": 8,
                  "n_shared_experts": 2,
                  "num_experts_per_tok": 2,
                  "norm_topk_prob": true,
                  "routed_scaling_factor": 16.0,
                  "topk_method": "group_limited_greedy",
                  "n_group": 2,
                  "topk_group": 1,
                  "first_k_dense_replace": 0,
                  "moe_layer_freq": 2,
                  "scoring_func": "softmax",
                  "attention_bias": false,
                  "hidden_act": "silu",
                  "max_position_embeddings": 64,
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 10000,
                  "rope_scaling": {
                    "type": "yarn",
                    "factor": 4,
                    "mscale": 0.707,
                    "mscale_all_dim": 1.0
                  },
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
        all.put("deepseekMoe", deepseekMoe());
        all.put("deepseekMoeTopOneBiased", deepseekMoeTopOneBiased());
        all.put("deepseekV2Lite", deepseekV2Lite());
        all.put("deepseekV2", deepseekV2());
        all.put("deepseekV2NormTopk", deepseekV2NormTopk());
        return all;
    }

    private static JsonObject parse(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
    }
}
