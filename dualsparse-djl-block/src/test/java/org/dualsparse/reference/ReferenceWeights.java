package org.dualsparse.reference;

import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.dualsparse.reference.ReferenceConfig.QkNorm;

/**
 * Tiny random checkpoints with exactly the tensor names and shapes an HF safetensors checkpoint of
 * the same config holds (per-expert tensors, as on the hub; no tied {@code lm_head}).
 */
public final class ReferenceWeights {

    private static final String[] MLP_NAMES = {"gate_proj", "up_proj", "down_proj"};

    private ReferenceWeights() {}

    /** HF tensor name to shape, in checkpoint order (embeddings, layers, final norm, head). */
    public static Map<String, int[]> shapes(JsonObject config) {
        ReferenceConfig c = ReferenceConfig.parse(config);
        Map<String, int[]> s = new LinkedHashMap<>();
        int d = c.hidden;
        s.put("model.embed_tokens.weight", new int[] {c.vocab, d});
        for (int l = 0; l < c.layers; l++) {
            String p = ReferenceConfig.layerPrefix(l);
            s.put(p + "input_layernorm.weight", new int[] {d});
            String a = p + "self_attn.";
            if (c.mla != null) {
                putLatentAttention(s, a, c);
            } else {
                putAttention(s, a, c);
            }
            s.put(p + "post_attention_layernorm.weight", new int[] {d});
            String f = c.ffnPrefix(l);
            if (c.isMoe(l)) {
                s.put(f + "gate.weight", new int[] {c.numExperts, d});
                for (int e = 0; e < c.numExperts; e++) {
                    putMlp(s, f + "experts." + e + ".", c.expertProjNames(), d, c.expertIntermediate);
                }
                if (c.sharedIntermediate > 0 && c.sharedGated) {
                    putMlp(s, f + "shared_expert.", MLP_NAMES, d, c.sharedIntermediate);
                    s.put(f + "shared_expert_gate.weight", new int[] {1, d});
                } else if (c.sharedIntermediate > 0) {
                    putMlp(s, f + "shared_experts.", MLP_NAMES, d, c.sharedIntermediate);
                }
            } else {
                putMlp(s, f, MLP_NAMES, d, c.denseIntermediate);
            }
        }
        s.put("model.norm.weight", new int[] {d});
        if (!c.tieWordEmbeddings) {
            s.put("lm_head.weight", new int[] {c.vocab, d});
        }
        return s;
    }

    private static void putAttention(Map<String, int[]> s, String a, ReferenceConfig c) {
        int d = c.hidden;
        int qDim = c.heads * c.headDim;
        int kvDim = c.kvHeads * c.headDim;
        s.put(a + "q_proj.weight", new int[] {qDim, d});
        s.put(a + "k_proj.weight", new int[] {kvDim, d});
        s.put(a + "v_proj.weight", new int[] {kvDim, d});
        s.put(a + "o_proj.weight", new int[] {d, qDim});
        if (c.qkvBias) {
            s.put(a + "q_proj.bias", new int[] {qDim});
            s.put(a + "k_proj.bias", new int[] {kvDim});
            s.put(a + "v_proj.bias", new int[] {kvDim});
        }
        if (c.oBias) {
            s.put(a + "o_proj.bias", new int[] {d});
        }
        if (c.qkNorm == QkNorm.WHOLE_PROJECTION) {
            s.put(a + "q_norm.weight", new int[] {qDim});
            s.put(a + "k_norm.weight", new int[] {kvDim});
        } else if (c.qkNorm == QkNorm.PER_HEAD) {
            s.put(a + "q_norm.weight", new int[] {c.headDim});
            s.put(a + "k_norm.weight", new int[] {c.headDim});
        }
    }

    /** DeepSeek-V2 multi-head latent attention. */
    private static void putLatentAttention(Map<String, int[]> s, String a, ReferenceConfig c) {
        ReferenceConfig.Mla m = c.mla;
        int d = c.hidden;
        int qRows = c.heads * (m.nopeHeadDim() + m.ropeHeadDim());
        if (m.qLoraRank() == 0) {
            s.put(a + "q_proj.weight", new int[] {qRows, d});
        } else {
            s.put(a + "q_a_proj.weight", new int[] {m.qLoraRank(), d});
            s.put(a + "q_a_layernorm.weight", new int[] {m.qLoraRank()});
            s.put(a + "q_b_proj.weight", new int[] {qRows, m.qLoraRank()});
        }
        s.put(a + "kv_a_proj_with_mqa.weight", new int[] {m.kvLoraRank() + m.ropeHeadDim(), d});
        s.put(a + "kv_a_layernorm.weight", new int[] {m.kvLoraRank()});
        s.put(a + "kv_b_proj.weight", new int[] {c.heads * (m.nopeHeadDim() + m.vHeadDim()), m.kvLoraRank()});
        s.put(a + "o_proj.weight", new int[] {d, c.heads * m.vHeadDim()});
    }

    /**
     * Random weights for {@code config}: Linear weights N(0, (0.5/√fan_in)²), router gates 4× larger so
     * routing is decisive, embeddings N(0,1), norm weights 1 + 0.1·N(0,1), biases 0.1·N(0,1). Each
     * tensor draws from its own stream seeded by (seed, name), so adding a tensor changes no other.
     */
    public static Map<String, float[]> random(JsonObject config, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes(config).entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue();
            Random rnd = new Random(seed * 1_000_003L + name.hashCode());
            float[] data = new float[shape.length == 1 ? shape[0] : shape[0] * shape[1]];
            double mean = 0;
            double std;
            if (name.endsWith("norm.weight")) {
                mean = 1;
                std = 0.1;
            } else if (name.endsWith(".bias")) {
                std = 0.1;
            } else if (name.equals("model.embed_tokens.weight")) {
                std = 1;
            } else if (isRouter(name)) {
                std = 2 / Math.sqrt(shape[1]);
            } else {
                std = 0.5 / Math.sqrt(shape[1]);
            }
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (mean + std * rnd.nextGaussian());
            }
            out.put(name, data);
        }
        return out;
    }

    private static boolean isRouter(String name) {
        return name.endsWith(".block_sparse_moe.gate.weight") || name.endsWith(".mlp.gate.weight");
    }

    private static void putMlp(Map<String, int[]> s, String prefix, String[] names, int d, int inter) {
        s.put(prefix + names[0] + ".weight", new int[] {inter, d});
        s.put(prefix + names[1] + ".weight", new int[] {inter, d});
        s.put(prefix + names[2] + ".weight", new int[] {d, inter});
    }
}
