package org.dualsparse.reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The graph-changing settings of one HF MoE config.json, resolved the way {@code transformers} (v5
 * sources, checked against 4.5x) resolves them, with every key either implemented, known to be inert
 * at inference, or rejected.
 *
 * <p>A key this class does not know throws {@link IllegalArgumentException}; so does a known key whose
 * value the reference does not implement (rope scaling, another activation, ...). Keys that are absent
 * take the HF class default only where that default is the same in every version we read; the others
 * (sizes, eps, theta, kv heads, expert counts) are required.
 */
final class ReferenceConfig {

    enum Family {
        MIXTRAL("mixtral", "MixtralForCausalLM"),
        OLMOE("olmoe", "OlmoeForCausalLM"),
        QWEN2_MOE("qwen2_moe", "Qwen2MoeForCausalLM"),
        QWEN3_MOE("qwen3_moe", "Qwen3MoeForCausalLM"),
        /** DeepSeek-MoE v1: hub remote code only. */
        DEEPSEEK("deepseek", "DeepseekForCausalLM"),
        /** DeepSeek-V2 / V2-Lite, as the hub remote code defines them. */
        DEEPSEEK_V2("deepseek_v2", "DeepseekV2ForCausalLM");

        final String modelType;
        final String causalLmClass;

        Family(String modelType, String causalLmClass) {
            this.modelType = modelType;
            this.causalLmClass = causalLmClass;
        }

        boolean isDeepseek() {
            return this == DEEPSEEK || this == DEEPSEEK_V2;
        }

        static Family of(String modelType) {
            for (Family f : values()) {
                if (f.modelType.equals(modelType)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unsupported model_type: " + modelType);
        }
    }

    /** Where q/k RMSNorm statistics are taken: nowhere, over the whole projection (OLMoE), per head (Qwen3). */
    enum QkNorm {
        NONE,
        WHOLE_PROJECTION,
        PER_HEAD
    }

    /** Keys that never change an inference forward pass (metadata, training-only knobs, cache flags). */
    private static final Set<String> INERT_KEYS =
            Set.of(
                    "architectures",
                    "model_type",
                    "transformers_version",
                    "_name_or_path",
                    "torch_dtype",
                    "dtype",
                    "bos_token_id",
                    "eos_token_id",
                    "pad_token_id",
                    "initializer_range",
                    "use_cache",
                    "output_router_logits",
                    "router_aux_loss_coef",
                    "attention_dropout",
                    "max_position_embeddings",
                    "aux_loss_alpha",
                    "seq_aux",
                    "ep_size");

    private static final Set<String> COMMON_KEYS =
            Set.of(
                    "vocab_size",
                    "hidden_size",
                    "intermediate_size",
                    "num_hidden_layers",
                    "num_attention_heads",
                    "num_key_value_heads",
                    "head_dim",
                    "hidden_act",
                    "rms_norm_eps",
                    "rope_theta",
                    "rope_scaling",
                    "rope_parameters",
                    "tie_word_embeddings",
                    "num_experts_per_tok");

    private static final Set<String> DEEPSEEK_MOE_KEYS =
            Set.of(
                    "n_routed_experts",
                    "n_shared_experts",
                    "moe_intermediate_size",
                    "first_k_dense_replace",
                    "moe_layer_freq",
                    "norm_topk_prob",
                    "scoring_func",
                    "attention_bias",
                    "pretraining_tp");

    private static final Map<Family, Set<String>> FAMILY_KEYS =
            Map.of(
                    Family.MIXTRAL,
                    Set.of("num_local_experts", "num_experts", "sliding_window", "router_jitter_noise"),
                    Family.OLMOE,
                    Set.of("num_experts", "num_local_experts", "norm_topk_prob", "clip_qkv", "attention_bias"),
                    Family.QWEN2_MOE,
                    Set.of(
                            "num_experts",
                            "norm_topk_prob",
                            "moe_intermediate_size",
                            "shared_expert_intermediate_size",
                            "decoder_sparse_step",
                            "mlp_only_layers",
                            "qkv_bias",
                            "use_sliding_window",
                            "sliding_window",
                            "max_window_layers",
                            "layer_types"),
                    Family.QWEN3_MOE,
                    Set.of(
                            "num_experts",
                            "norm_topk_prob",
                            "moe_intermediate_size",
                            "decoder_sparse_step",
                            "mlp_only_layers",
                            "attention_bias",
                            "use_sliding_window",
                            "sliding_window",
                            "max_window_layers"),
                    Family.DEEPSEEK,
                    DEEPSEEK_MOE_KEYS,
                    Family.DEEPSEEK_V2,
                    union(
                            DEEPSEEK_MOE_KEYS,
                            Set.of(
                                    "q_lora_rank",
                                    "kv_lora_rank",
                                    "qk_nope_head_dim",
                                    "qk_rope_head_dim",
                                    "v_head_dim",
                                    "routed_scaling_factor",
                                    "topk_method",
                                    "n_group",
                                    "topk_group")));

    final Family family;
    final int vocab;
    final int hidden;
    final int layers;
    final int heads;
    final int kvHeads;
    final int headDim;
    final double eps;
    final double ropeTheta;
    final boolean tieWordEmbeddings;
    /** q, k and v projections carry a bias. */
    final boolean qkvBias;
    /** o projection carries a bias (only Qwen3-MoE / OLMoE with attention_bias). */
    final boolean oBias;
    final QkNorm qkNorm;
    /** Clamp bound for q, k, v after projection and qk-norm; NaN when off. */
    final double clipQkv;
    final int numExperts;
    final int topK;
    final int expertIntermediate;
    final boolean renormTopK;
    /** Width of dense (non-MoE) layers; 0 when the family has none. */
    final int denseIntermediate;
    /** Width of the shared expert(s); 0 when the family has none. */
    final int sharedIntermediate;
    /** The shared expert is scaled by a sigmoid gate (Qwen2-MoE) rather than added as is (DeepSeek). */
    final boolean sharedGated;
    /** Added to the renormalisation denominator (DeepSeek's MoEGate: 1e-20). */
    final double renormEpsilon;
    /** Multiplies the top-K weights that are not renormalised (DeepSeek-V2's routed_scaling_factor; else 1). */
    final double routedScalingFactor;
    /** group_limited_greedy (DeepSeek-V2): experts in this many groups; 0 for plain top-K. */
    final int expertGroups;
    /** group_limited_greedy: top-K among the experts of this many best groups. */
    final int groupsPerToken;
    /** Multi-head latent attention (DeepSeek-V2); null for standard attention. */
    final Mla mla;
    private final boolean[] moeLayer;
    private final int[] slidingWindow;

    private ReferenceConfig(JsonObject json) {
        Json cfg = new Json(json);
        family = Family.of(cfg.requiredString("model_type"));
        checkKeys(json);
        checkArchitectures(json);

        String act = cfg.optionalString("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("unsupported hidden_act: " + act);
        }

        vocab = cfg.requiredInt("vocab_size");
        hidden = cfg.requiredInt("hidden_size");
        layers = cfg.requiredInt("num_hidden_layers");
        heads = cfg.requiredInt("num_attention_heads");
        kvHeads = resolveKvHeads(cfg);
        headDim = resolveHeadDim(cfg);
        eps = cfg.requiredDouble("rms_norm_eps");
        ropeTheta = resolveRopeTheta(cfg, family == Family.DEEPSEEK_V2);
        tieWordEmbeddings = cfg.optionalBoolean("tie_word_embeddings", false);
        topK = cfg.requiredInt("num_experts_per_tok");

        switch (family) {
            case MIXTRAL:
                numExperts = cfg.requiredIntEitherOf("num_local_experts", "num_experts");
                expertIntermediate = cfg.requiredInt("intermediate_size");
                renormTopK = true;
                denseIntermediate = 0;
                sharedIntermediate = 0;
                qkvBias = false;
                oBias = false;
                qkNorm = QkNorm.NONE;
                clipQkv = Double.NaN;
                break;
            case OLMOE:
                numExperts = cfg.requiredIntEitherOf("num_experts", "num_local_experts");
                expertIntermediate = cfg.requiredInt("intermediate_size");
                renormTopK = cfg.optionalBoolean("norm_topk_prob", false);
                denseIntermediate = 0;
                sharedIntermediate = 0;
                qkvBias = cfg.optionalBoolean("attention_bias", false);
                oBias = qkvBias;
                qkNorm = QkNorm.WHOLE_PROJECTION;
                clipQkv = cfg.optionalPositiveDouble("clip_qkv");
                break;
            case QWEN2_MOE:
                numExperts = cfg.requiredInt("num_experts");
                expertIntermediate = cfg.requiredInt("moe_intermediate_size");
                renormTopK = cfg.optionalBoolean("norm_topk_prob", false);
                denseIntermediate = cfg.requiredInt("intermediate_size");
                sharedIntermediate = cfg.requiredInt("shared_expert_intermediate_size");
                // HF: q/k/v Linear(bias=config.qkv_bias), class default True; o_proj never has a bias.
                qkvBias = cfg.optionalBoolean("qkv_bias", true);
                oBias = false;
                qkNorm = QkNorm.NONE;
                clipQkv = Double.NaN;
                break;
            case QWEN3_MOE:
                numExperts = cfg.requiredInt("num_experts");
                expertIntermediate = cfg.requiredInt("moe_intermediate_size");
                renormTopK = cfg.optionalBoolean("norm_topk_prob", false);
                denseIntermediate = cfg.requiredInt("intermediate_size");
                sharedIntermediate = 0;
                // HF: q, k, v AND o projections all take bias=config.attention_bias.
                qkvBias = cfg.optionalBoolean("attention_bias", false);
                oBias = qkvBias;
                qkNorm = QkNorm.PER_HEAD;
                clipQkv = Double.NaN;
                break;
            case DEEPSEEK:
            case DEEPSEEK_V2:
                numExperts = cfg.requiredInt("n_routed_experts");
                expertIntermediate = cfg.requiredInt("moe_intermediate_size");
                // MoEGate: `if self.top_k > 1 and self.norm_topk_prob`
                renormTopK = topK > 1 && cfg.optionalBoolean("norm_topk_prob", false);
                denseIntermediate = cfg.requiredInt("intermediate_size");
                // DeepseekMoE: one MLP of width moe_intermediate_size * n_shared_experts, no gate
                sharedIntermediate = cfg.optionalInt("n_shared_experts", 0) * expertIntermediate;
                // v1 (Llama attention): q, k, v and o take bias=config.attention_bias
                qkvBias = cfg.optionalBoolean("attention_bias", false);
                oBias = qkvBias;
                qkNorm = QkNorm.NONE;
                clipQkv = Double.NaN;
                break;
            default:
                throw new AssertionError(family);
        }
        sharedGated = family == Family.QWEN2_MOE;
        renormEpsilon = family.isDeepseek() ? 1e-20 : 0;
        if (family.isDeepseek()) {
            checkDeepseekSwitches(cfg);
        }
        routedScalingFactor = family == Family.DEEPSEEK_V2 ? cfg.optionalDouble("routed_scaling_factor", 1.0) : 1;
        String topkMethod = family == Family.DEEPSEEK_V2 ? cfg.requiredString("topk_method") : "greedy";
        switch (topkMethod) {
            case "greedy":
                expertGroups = 0;
                groupsPerToken = 0;
                break;
            case "group_limited_greedy":
                expertGroups = cfg.requiredInt("n_group");
                groupsPerToken = cfg.requiredInt("topk_group");
                if (numExperts % expertGroups != 0 || groupsPerToken > expertGroups
                        || topK > groupsPerToken * (numExperts / expertGroups)) {
                    throw new IllegalArgumentException("group_limited_greedy cannot pick " + topK + " of " + numExperts
                            + " experts from " + groupsPerToken + " of " + expertGroups + " groups");
                }
                break;
            default:
                throw new IllegalArgumentException("unsupported topk_method: " + topkMethod);
        }
        if (family == Family.DEEPSEEK_V2 && qkvBias) {
            throw new IllegalArgumentException("unsupported attention_bias for deepseek_v2: true");
        }
        mla = family == Family.DEEPSEEK_V2 ? Mla.parse(cfg, ropeTheta) : null;
        if (topK < 1 || topK > numExperts) {
            throw new IllegalArgumentException(
                    "num_experts_per_tok " + topK + " outside 1.." + numExperts);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads " + heads + " not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("odd head_dim " + headDim + " cannot take rotate_half RoPE");
        }
        moeLayer = resolveMoeLayers(cfg);
        slidingWindow = resolveSlidingWindows(cfg);
    }

    static ReferenceConfig parse(JsonObject json) {
        return new ReferenceConfig(json);
    }

    boolean isMoe(int layer) {
        return moeLayer[layer];
    }

    /** Window of layer {@code layer}: key j is visible from query i iff j <= i and i - j < window; 0 = no window. */
    int slidingWindow(int layer) {
        return slidingWindow[layer];
    }

    /** Prefix of a layer's feed-forward tensors: Mixtral keeps its original module name. */
    String ffnPrefix(int layer) {
        return layerPrefix(layer) + (family == Family.MIXTRAL ? "block_sparse_moe." : "mlp.");
    }

    static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    /** HF names of an expert's gate, up and down projections (Mixtral: w1, w3, w2). */
    String[] expertProjNames() {
        return family == Family.MIXTRAL
                ? new String[] {"w1", "w3", "w2"}
                : new String[] {"gate_proj", "up_proj", "down_proj"};
    }

    // ---- resolution of individual switches ----

    private void checkKeys(JsonObject json) {
        Set<String> known = new HashSet<>(INERT_KEYS);
        known.addAll(COMMON_KEYS);
        known.addAll(FAMILY_KEYS.get(family));
        for (String key : json.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(
                        "config key not implemented by the reference for " + family.modelType + ": " + key);
            }
        }
    }

    private void checkArchitectures(JsonObject json) {
        JsonElement arch = json.get("architectures");
        if (arch == null || arch.isJsonNull()) {
            return;
        }
        for (JsonElement a : arch.getAsJsonArray()) {
            if (!a.getAsString().equals(family.causalLmClass)) {
                throw new IllegalArgumentException("unsupported architectures entry: " + a.getAsString());
            }
        }
    }

    private int resolveKvHeads(Json cfg) {
        // Mixtral and OLMoE map an explicit null to num_attention_heads; an absent key would take a class
        // default that differs per family and version, so it is required.
        if (cfg.isNull("num_key_value_heads")
                && (family == Family.MIXTRAL || family == Family.OLMOE)) {
            return heads;
        }
        return cfg.requiredInt("num_key_value_heads");
    }

    private int resolveHeadDim(Json cfg) {
        int derived = hidden / heads;
        if (cfg.isNull("head_dim")) {
            if (derived * heads != hidden) {
                throw new IllegalArgumentException("hidden_size not divisible by num_attention_heads");
            }
            return derived;
        }
        int explicit = cfg.requiredInt("head_dim");
        // OLMoE sizes q_norm by hidden_size, and Qwen2-MoE ignored head_dim before v5: only d/H is unambiguous.
        if ((family == Family.OLMOE || family == Family.QWEN2_MOE) && explicit * heads != hidden) {
            throw new IllegalArgumentException(
                    "head_dim " + explicit + " != hidden_size/num_attention_heads not implemented for "
                            + family.modelType);
        }
        return explicit;
    }

    /** {@code yarnAllowed}: the family reads {@code rope_scaling} itself (DeepSeek-V2, see {@link Mla#parse}). */
    private static double resolveRopeTheta(Json cfg, boolean yarnAllowed) {
        JsonObject scaling = cfg.optionalObject("rope_scaling");
        if (scaling != null && !yarnAllowed) {
            checkDefaultRope("rope_scaling", scaling);
        }
        JsonObject params = cfg.optionalObject("rope_parameters");
        Double fromParams = null;
        if (params != null) {
            checkDefaultRope("rope_parameters", params);
            if (params.has("rope_theta")) {
                fromParams = params.get("rope_theta").getAsDouble();
            }
        }
        Double top = cfg.isNull("rope_theta") ? null : cfg.requiredDouble("rope_theta");
        if (top != null && fromParams != null && !top.equals(fromParams)) {
            throw new IllegalArgumentException("rope_theta disagrees with rope_parameters.rope_theta");
        }
        if (top == null && fromParams == null) {
            throw new IllegalArgumentException("missing config key: rope_theta");
        }
        return top != null ? top : fromParams;
    }

    /** Accepts only the plain RoPE ({@code rope_type} "default"); anything else is scaling we do not implement. */
    private static void checkDefaultRope(String key, JsonObject rope) {
        for (Map.Entry<String, JsonElement> e : rope.entrySet()) {
            String k = e.getKey();
            boolean ok =
                    k.equals("rope_theta")
                            || ((k.equals("rope_type") || k.equals("type"))
                                    && e.getValue().getAsString().equals("default"));
            if (!ok) {
                throw new IllegalArgumentException("unsupported " + key + ": " + rope);
            }
        }
    }

    private boolean[] resolveMoeLayers(Json cfg) {
        boolean[] moe = new boolean[layers];
        if (family == Family.MIXTRAL || family == Family.OLMOE) {
            Arrays.fill(moe, true);
            return moe;
        }
        if (family.isDeepseek()) {
            // DecoderLayer: MoE iff n_routed_experts is not None and layer_idx >= first_k_dense_replace
            // and layer_idx % moe_layer_freq == 0 (n_routed_experts is required here)
            int firstDense = cfg.optionalInt("first_k_dense_replace", 0);
            int frequency = cfg.optionalInt("moe_layer_freq", 1);
            if (firstDense < 0 || frequency < 1) {
                throw new IllegalArgumentException("first_k_dense_replace / moe_layer_freq out of range");
            }
            for (int i = 0; i < layers; i++) {
                moe[i] = i >= firstDense && i % frequency == 0;
            }
            return moe;
        }
        int step = cfg.optionalInt("decoder_sparse_step", 1);
        if (step < 1) {
            throw new IllegalArgumentException("decoder_sparse_step must be >= 1, got " + step);
        }
        Set<Integer> mlpOnly = new HashSet<>();
        JsonArray only = cfg.optionalArray("mlp_only_layers");
        if (only != null) {
            only.forEach(e -> mlpOnly.add(e.getAsInt()));
        }
        for (int i = 0; i < layers; i++) {
            moe[i] = !mlpOnly.contains(i) && numExperts > 0 && (i + 1) % step == 0;
        }
        return moe;
    }

    private int[] resolveSlidingWindows(Json cfg) {
        int[] window = new int[layers];
        switch (family) {
            case MIXTRAL:
                // MixtralModel: one mask for all layers, sliding iff config.sliding_window is not None.
                Arrays.fill(window, cfg.isNull("sliding_window") ? 0 : positive(cfg, "sliding_window"));
                break;
            case OLMOE:
            case DEEPSEEK:
            case DEEPSEEK_V2:
                break; // a plain causal mask
            case QWEN2_MOE:
                resolveQwen2Windows(cfg, window);
                break;
            case QWEN3_MOE:
                // Qwen3MoeConfig nulls sliding_window unless use_sliding_window; the model then applies
                // it to every layer (max_window_layers is not read by qwen3_moe).
                if (cfg.optionalBoolean("use_sliding_window", false) && !cfg.isNull("sliding_window")) {
                    Arrays.fill(window, positive(cfg, "sliding_window"));
                }
                break;
            default:
                throw new AssertionError(family);
        }
        return window;
    }

    /**
     * Qwen2-MoE (transformers v5): layer i uses the sliding mask iff {@code layer_types[i]} is
     * "sliding_attention"; absent layer_types default to: use_sliding_window && i is even && i <
     * max_window_layers. The window is sliding_window (zeroed when use_sliding_window is false).
     */
    private void resolveQwen2Windows(Json cfg, int[] window) {
        boolean use = cfg.optionalBoolean("use_sliding_window", false);
        JsonArray types = cfg.optionalArray("layer_types");
        boolean[] sliding = new boolean[layers];
        if (types != null) {
            if (types.size() != layers) {
                throw new IllegalArgumentException("layer_types has " + types.size() + " entries, not " + layers);
            }
            for (int i = 0; i < layers; i++) {
                String t = types.get(i).getAsString();
                if (!t.equals("full_attention") && !t.equals("sliding_attention")) {
                    throw new IllegalArgumentException("unsupported layer_types entry: " + t);
                }
                sliding[i] = t.equals("sliding_attention");
            }
        } else if (use) {
            int maxWindowLayers = cfg.requiredInt("max_window_layers");
            for (int i = 0; i < layers; i++) {
                sliding[i] = (i + 1) % 2 != 0 && i < maxWindowLayers;
            }
        }
        for (int i = 0; i < layers; i++) {
            if (sliding[i]) {
                if (!use) {
                    // HF sets sliding_window = 0 here, which would mask every key.
                    throw new IllegalArgumentException(
                            "layer_types has sliding_attention while use_sliding_window is false");
                }
                window[i] = positive(cfg, "sliding_window");
            }
        }
    }

    /** Values the remote code accepts but the reference does not implement. */
    private static void checkDeepseekSwitches(Json cfg) {
        String scoring = cfg.optionalString("scoring_func", "softmax");
        if (!scoring.equals("softmax")) {
            throw new IllegalArgumentException("unsupported scoring_func: " + scoring);
        }
        if (cfg.optionalInt("pretraining_tp", 1) != 1) {
            throw new IllegalArgumentException("unsupported pretraining_tp: " + cfg.requiredInt("pretraining_tp"));
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }

    /**
     * DeepSeek-V2 multi-head latent attention, with the rotary frequencies, cos/sin magnitude and
     * softmax scale the remote {@code DeepseekV2Attention} derives from the config.
     *
     * @param qLoraRank 0 for a plain q_proj (config null)
     */
    record Mla(
            int qLoraRank,
            int kvLoraRank,
            int nopeHeadDim,
            int ropeHeadDim,
            int vHeadDim,
            double[] invFreq,
            double ropeMagnitude,
            double softmaxScale) {

        static Mla parse(Json cfg, double theta) {
            if (!cfg.has("q_lora_rank")) {
                throw new IllegalArgumentException("missing config key: q_lora_rank (null for a plain q_proj)");
            }
            int qLora = cfg.isNull("q_lora_rank") ? 0 : cfg.requiredInt("q_lora_rank");
            int nope = cfg.requiredInt("qk_nope_head_dim");
            int rope = cfg.requiredInt("qk_rope_head_dim");
            if (rope % 2 != 0) {
                throw new IllegalArgumentException("odd qk_rope_head_dim " + rope);
            }
            double scale = 1 / Math.sqrt(nope + rope); // softmax_scale = q_head_dim ** -0.5
            double[] invFreq = ReferenceMath.ropeInverseFrequencies(rope, theta);
            double magnitude = 1;
            JsonObject scaling = cfg.optionalObject("rope_scaling");
            if (scaling != null) {
                Json yarn = new Json(scaling);
                for (String key : scaling.keySet()) {
                    if (!Set.of("type", "factor", "original_max_position_embeddings", "beta_fast", "beta_slow",
                            "mscale", "mscale_all_dim").contains(key)) {
                        throw new IllegalArgumentException("unsupported rope_scaling key: " + key);
                    }
                }
                if (!yarn.requiredString("type").equals("yarn")) {
                    throw new IllegalArgumentException("unsupported rope_scaling: " + scaling);
                }
                double factor = yarn.requiredDouble("factor");
                double mscale = yarn.optionalDouble("mscale", 1);
                double mscaleAllDim = yarn.optionalDouble("mscale_all_dim", 0);
                invFreq = ReferenceMath.yarnInverseFrequencies(rope, theta, factor,
                        yarn.optionalInt("original_max_position_embeddings", 4096),
                        yarn.optionalDouble("beta_fast", 32), yarn.optionalDouble("beta_slow", 1));
                magnitude = ReferenceMath.yarnMscale(factor, mscale) / ReferenceMath.yarnMscale(factor, mscaleAllDim);
                if (mscaleAllDim != 0) {
                    double m = ReferenceMath.yarnMscale(factor, mscaleAllDim);
                    scale *= m * m;
                }
            }
            return new Mla(qLora, cfg.requiredInt("kv_lora_rank"), nope, rope, cfg.requiredInt("v_head_dim"),
                    invFreq, magnitude, scale);
        }
    }

    private static int positive(Json cfg, String key) {
        int v = cfg.requiredInt(key);
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
        return v;
    }

    /** Typed, null-aware access to config.json values, with errors that name the key. */
    private static final class Json {
        private final JsonObject o;

        Json(JsonObject o) {
            this.o = o;
        }

        boolean isNull(String key) {
            return !o.has(key) || o.get(key).isJsonNull();
        }

        /** Present, possibly with a null value. */
        boolean has(String key) {
            return o.has(key);
        }

        private JsonElement required(String key) {
            if (isNull(key)) {
                throw new IllegalArgumentException("missing config key: " + key);
            }
            return o.get(key);
        }

        int requiredInt(String key) {
            JsonElement e = required(key);
            double d = e.getAsDouble();
            if (d != Math.rint(d)) {
                throw new IllegalArgumentException(key + " is not an integer: " + e);
            }
            return (int) d;
        }

        int requiredIntEitherOf(String key, String alias) {
            if (!isNull(key) && !isNull(alias) && requiredInt(key) != requiredInt(alias)) {
                throw new IllegalArgumentException(key + " and " + alias + " disagree");
            }
            return isNull(key) ? requiredInt(alias) : requiredInt(key);
        }

        int optionalInt(String key, int dflt) {
            return isNull(key) ? dflt : requiredInt(key);
        }

        double requiredDouble(String key) {
            return required(key).getAsDouble();
        }

        double optionalDouble(String key, double dflt) {
            return isNull(key) ? dflt : requiredDouble(key);
        }

        /** NaN when absent or null. */
        double optionalPositiveDouble(String key) {
            if (isNull(key)) {
                return Double.NaN;
            }
            double v = requiredDouble(key);
            if (!(v > 0)) {
                throw new IllegalArgumentException(key + " must be positive, got " + v);
            }
            return v;
        }

        String requiredString(String key) {
            return required(key).getAsString();
        }

        String optionalString(String key, String dflt) {
            return isNull(key) ? dflt : requiredString(key);
        }

        boolean optionalBoolean(String key, boolean dflt) {
            if (isNull(key)) {
                return dflt;
            }
            JsonElement e = o.get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw new IllegalArgumentException(key + " is not a boolean: " + e);
            }
            return e.getAsBoolean();
        }

        JsonObject optionalObject(String key) {
            return isNull(key) ? null : required(key).getAsJsonObject();
        }

        JsonArray optionalArray(String key) {
            return isNull(key) ? null : required(key).getAsJsonArray();
        }
    }
}
