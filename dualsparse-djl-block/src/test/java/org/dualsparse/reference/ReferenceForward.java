package org.dualsparse.reference;

import static org.dualsparse.reference.ReferenceMath.addInPlace;
import static org.dualsparse.reference.ReferenceMath.clamp;
import static org.dualsparse.reference.ReferenceMath.linear;
import static org.dualsparse.reference.ReferenceMath.rmsNorm;
import static org.dualsparse.reference.ReferenceMath.rope;
import static org.dualsparse.reference.ReferenceMath.sigmoid;
import static org.dualsparse.reference.ReferenceMath.softmax;
import static org.dualsparse.reference.ReferenceMath.swiglu;
import static org.dualsparse.reference.ReferenceMath.topK;

import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Map;
import org.dualsparse.reference.ReferenceConfig.QkNorm;

/**
 * A deliberately naive float64 forward pass of the HF {@code *ForCausalLM} models of Mixtral, OLMoE,
 * Qwen2-MoE and Qwen3-MoE, written from the {@code transformers} modeling code, and of DeepSeek-MoE v1
 * and DeepSeek-V2, written from the hub remote code ({@code modeling_deepseek.py}), without DJL: one
 * sequence, positions 0..S-1, causal (optionally sliding-window) attention, no cache.
 *
 * <p>It is exact math, not a bit-for-bit copy of HF: HF rounds to fp32/bf16 at many points, so near-tie
 * router decisions may differ between the two.
 */
public final class ReferenceForward {

    /** q_a_layernorm and kv_a_layernorm are DeepseekV2RMSNorm(dim) without config.rms_norm_eps: the default. */
    private static final double LATENT_NORM_EPS = 1e-6;

    private ReferenceForward() {}

    /**
     * Logits for every position.
     *
     * @param config the parsed HF config.json
     * @param weights HF safetensors names to row-major data; every tensor the config implies must be
     *     present, and no other
     * @param ids token ids of one sequence
     * @return {@code [ids.length][vocab_size]}
     * @throws IllegalArgumentException for a config key or value the reference does not implement, a
     *     missing, extra or mis-sized tensor, or an id outside the vocabulary
     */
    public static double[][] logits(JsonObject config, Map<String, float[]> weights, long[] ids) {
        ReferenceConfig c = ReferenceConfig.parse(config);
        Model model = Model.load(c, new CheckedTensors(weights));
        if (ids.length == 0) {
            throw new IllegalArgumentException("empty input");
        }
        double[][] h = new double[ids.length][];
        for (int s = 0; s < ids.length; s++) {
            if (ids[s] < 0 || ids[s] >= c.vocab) {
                throw new IllegalArgumentException("token id " + ids[s] + " outside vocabulary " + c.vocab);
            }
            h[s] = row(model.embed, (int) ids[s], c.hidden);
        }
        for (int l = 0; l < c.layers; l++) {
            h = decoderLayer(c, l, model.layers[l], h);
        }
        double[][] logits = new double[ids.length][];
        for (int s = 0; s < ids.length; s++) {
            logits[s] = linear(model.lmHead, null, rmsNorm(h[s], model.finalNorm, c.eps), c.vocab);
        }
        return logits;
    }

    /** Logits of the last position only. */
    public static double[] lastLogits(JsonObject config, Map<String, float[]> weights, long[] ids) {
        double[][] all = logits(config, weights, ids);
        return all[all.length - 1];
    }

    /** Pre-norm residual block: h + attn(norm(h)), then + ffn(norm(·)). */
    private static double[][] decoderLayer(ReferenceConfig c, int layer, Layer w, double[][] h) {
        int seq = h.length;
        double[][] normed = new double[seq][];
        for (int s = 0; s < seq; s++) {
            normed[s] = rmsNorm(h[s], w.inputNorm, c.eps);
        }
        double[][] attn = w.mla != null
                ? latentAttention(c, c.mla, w.mla, normed)
                : attention(c, c.slidingWindow(layer), w.attn, normed);
        double[][] out = new double[seq][];
        for (int s = 0; s < seq; s++) {
            double[] mid = h[s].clone();
            addInPlace(mid, attn[s], 1);
            double[] x = rmsNorm(mid, w.postNorm, c.eps);
            addInPlace(mid, w.moe != null ? w.moe.apply(c, x) : w.dense.apply(x), 1);
            out[s] = mid;
        }
        return out;
    }

    private static double[][] attention(ReferenceConfig c, int window, Attention a, double[][] x) {
        int seq = x.length;
        int hd = c.headDim;
        int group = c.heads / c.kvHeads;
        double[][] q = new double[seq][];
        double[][] k = new double[seq][];
        double[][] v = new double[seq][];
        for (int s = 0; s < seq; s++) {
            q[s] = linear(a.q, a.qBias, x[s], c.heads * hd);
            k[s] = linear(a.k, a.kBias, x[s], c.kvHeads * hd);
            v[s] = linear(a.v, a.vBias, x[s], c.kvHeads * hd);
            if (c.qkNorm == QkNorm.WHOLE_PROJECTION) {
                q[s] = rmsNorm(q[s], a.qNorm, c.eps);
                k[s] = rmsNorm(k[s], a.kNorm, c.eps);
            } else if (c.qkNorm == QkNorm.PER_HEAD) {
                q[s] = normPerHead(q[s], c.heads, hd, a.qNorm, c.eps);
                k[s] = normPerHead(k[s], c.kvHeads, hd, a.kNorm, c.eps);
            }
            if (!Double.isNaN(c.clipQkv)) {
                clamp(q[s], c.clipQkv);
                clamp(k[s], c.clipQkv);
                clamp(v[s], c.clipQkv);
            }
            for (int head = 0; head < c.heads; head++) {
                rope(q[s], head * hd, hd, s, c.ropeTheta);
            }
            for (int g = 0; g < c.kvHeads; g++) {
                rope(k[s], g * hd, hd, s, c.ropeTheta);
            }
        }

        double scale = 1 / Math.sqrt(hd);
        double[][] out = new double[seq][];
        for (int i = 0; i < seq; i++) {
            int first = window > 0 ? Math.max(0, i - window + 1) : 0; // i - j < window
            double[] context = new double[c.heads * hd];
            for (int head = 0; head < c.heads; head++) {
                int g = head / group; // repeat-each GQA: kv head g serves query heads g*group .. g*group+group-1
                double[] scores = new double[i - first + 1];
                for (int j = first; j <= i; j++) {
                    double dot = 0;
                    for (int t = 0; t < hd; t++) {
                        dot += q[i][head * hd + t] * k[j][g * hd + t];
                    }
                    scores[j - first] = dot * scale;
                }
                double[] p = softmax(scores);
                for (int j = first; j <= i; j++) {
                    for (int t = 0; t < hd; t++) {
                        context[head * hd + t] += p[j - first] * v[j][g * hd + t];
                    }
                }
            }
            out[i] = linear(a.o, a.oBias, context, c.hidden);
        }
        return out;
    }

    /**
     * DeepseekV2Attention (eager, no cache): q = q_proj(x) or q_b_proj(q_a_layernorm(q_a_proj(x))), split
     * per head into q_nope | q_pe; kv_a_proj_with_mqa(x) = compressed_kv | k_pe, k_pe one head shared by
     * all; kv_b_proj(kv_a_layernorm(compressed_kv)) = k_nope | v per head; apply_rotary_pos_emb on q_pe
     * and k_pe; query = [q_nope | q_pe], key = [k_nope | k_pe]; softmax(q·k · softmax_scale) · v; o_proj.
     */
    private static double[][] latentAttention(ReferenceConfig c, ReferenceConfig.Mla m, LatentAttention a, double[][] x) {
        int seq = x.length;
        int n = m.nopeHeadDim();
        int rho = m.ropeHeadDim();
        int v = m.vHeadDim();
        int r = m.kvLoraRank();
        int qHead = n + rho;
        double[][][] query = new double[seq][c.heads][];
        double[][][] key = new double[seq][c.heads][];
        double[][][] value = new double[seq][c.heads][];
        for (int s = 0; s < seq; s++) {
            double[] q = m.qLoraRank() == 0
                    ? linear(a.q, null, x[s], c.heads * qHead)
                    : linear(a.q, null, rmsNorm(linear(a.qA, null, x[s], m.qLoraRank()), a.qANorm, LATENT_NORM_EPS),
                            c.heads * qHead);
            double[] compressed = linear(a.kvA, null, x[s], r + rho);
            double[] latent = rmsNorm(Arrays.copyOfRange(compressed, 0, r), a.kvANorm, LATENT_NORM_EPS);
            double[] kPe = rotaryInterleaved(Arrays.copyOfRange(compressed, r, r + rho), s, m);
            double[] kv = linear(a.kvB, null, latent, c.heads * (n + v));
            for (int h = 0; h < c.heads; h++) {
                double[] qPe = rotaryInterleaved(Arrays.copyOfRange(q, h * qHead + n, (h + 1) * qHead), s, m);
                query[s][h] = concat(Arrays.copyOfRange(q, h * qHead, h * qHead + n), qPe);
                key[s][h] = concat(Arrays.copyOfRange(kv, h * (n + v), h * (n + v) + n), kPe);
                value[s][h] = Arrays.copyOfRange(kv, h * (n + v) + n, (h + 1) * (n + v));
            }
        }
        double[][] out = new double[seq][];
        for (int i = 0; i < seq; i++) {
            double[] context = new double[c.heads * v];
            for (int h = 0; h < c.heads; h++) {
                double[] scores = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int t = 0; t < qHead; t++) {
                        dot += query[i][h][t] * key[j][h][t];
                    }
                    scores[j] = dot * m.softmaxScale();
                }
                double[] p = softmax(scores);
                for (int j = 0; j <= i; j++) {
                    for (int t = 0; t < v; t++) {
                        context[h * v + t] += p[j] * value[j][h][t];
                    }
                }
            }
            out[i] = linear(a.o, null, context, c.hidden);
        }
        return out;
    }

    /**
     * The remote apply_rotary_pos_emb: view as (d/2, 2) pairs, transpose to [x0, x2, …, x1, x3, …], then
     * rotate_half RoPE with the (YaRN) frequencies and cos/sin magnitude.
     */
    static double[] rotaryInterleaved(double[] x, int pos, ReferenceConfig.Mla m) {
        int half = x.length / 2;
        double[] halves = new double[x.length];
        for (int i = 0; i < half; i++) {
            halves[i] = x[2 * i];
            halves[half + i] = x[2 * i + 1];
        }
        rope(halves, 0, pos, m.invFreq(), m.ropeMagnitude());
        return halves;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double[] normPerHead(double[] x, int heads, int hd, double[] w, double eps) {
        double[] y = new double[x.length];
        for (int head = 0; head < heads; head++) {
            System.arraycopy(rmsNorm(x, head * hd, hd, w, eps), 0, y, head * hd, hd);
        }
        return y;
    }

    private static double[] row(double[] matrix, int r, int cols) {
        double[] out = new double[cols];
        System.arraycopy(matrix, r * cols, out, 0, cols);
        return out;
    }

    // ---- weights, read once per call ----

    private record Model(double[] embed, Layer[] layers, double[] finalNorm, double[] lmHead) {
        static Model load(ReferenceConfig c, CheckedTensors t) {
            double[] embed = t.get("model.embed_tokens.weight", c.vocab, c.hidden);
            Layer[] layers = new Layer[c.layers];
            for (int l = 0; l < c.layers; l++) {
                layers[l] = Layer.load(c, t, l);
            }
            double[] finalNorm = t.get("model.norm.weight", c.hidden);
            double[] lmHead = c.tieWordEmbeddings ? embed : t.get("lm_head.weight", c.vocab, c.hidden);
            t.requireAllRead();
            return new Model(embed, layers, finalNorm, lmHead);
        }
    }

    /** Exactly one of {@code attn} / {@code mla}, and of {@code dense} / {@code moe}, is set. */
    private record Layer(
            double[] inputNorm, Attention attn, LatentAttention mla, double[] postNorm, Mlp dense, Moe moe) {
        static Layer load(ReferenceConfig c, CheckedTensors t, int l) {
            String p = ReferenceConfig.layerPrefix(l);
            double[] inputNorm = t.get(p + "input_layernorm.weight", c.hidden);
            double[] postNorm = t.get(p + "post_attention_layernorm.weight", c.hidden);
            Attention attn = c.mla == null ? Attention.load(c, t, p + "self_attn.") : null;
            LatentAttention mla = c.mla == null ? null : LatentAttention.load(c, t, p + "self_attn.");
            if (c.isMoe(l)) {
                return new Layer(inputNorm, attn, mla, postNorm, null, Moe.load(c, t, c.ffnPrefix(l)));
            }
            Mlp dense = Mlp.load(c, t, c.ffnPrefix(l), new String[] {"gate_proj", "up_proj", "down_proj"},
                    c.denseIntermediate);
            return new Layer(inputNorm, attn, mla, postNorm, dense, null);
        }
    }

    /** q (q_proj, or q_b_proj after q_a_proj and q_a_layernorm), kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj. */
    private record LatentAttention(
            double[] q, double[] qA, double[] qANorm, double[] kvA, double[] kvANorm, double[] kvB, double[] o) {

        static LatentAttention load(ReferenceConfig c, CheckedTensors t, String p) {
            ReferenceConfig.Mla m = c.mla;
            int qRows = c.heads * (m.nopeHeadDim() + m.ropeHeadDim());
            int r = m.kvLoraRank();
            boolean lora = m.qLoraRank() > 0;
            return new LatentAttention(
                    lora ? t.get(p + "q_b_proj.weight", qRows, m.qLoraRank()) : t.get(p + "q_proj.weight", qRows, c.hidden),
                    lora ? t.get(p + "q_a_proj.weight", m.qLoraRank(), c.hidden) : null,
                    lora ? t.get(p + "q_a_layernorm.weight", m.qLoraRank()) : null,
                    t.get(p + "kv_a_proj_with_mqa.weight", r + m.ropeHeadDim(), c.hidden),
                    t.get(p + "kv_a_layernorm.weight", r),
                    t.get(p + "kv_b_proj.weight", c.heads * (m.nopeHeadDim() + m.vHeadDim()), r),
                    t.get(p + "o_proj.weight", c.hidden, c.heads * m.vHeadDim()));
        }
    }

    private record Attention(
            double[] q, double[] k, double[] v, double[] o,
            double[] qBias, double[] kBias, double[] vBias, double[] oBias,
            double[] qNorm, double[] kNorm) {

        static Attention load(ReferenceConfig c, CheckedTensors t, String p) {
            int qDim = c.heads * c.headDim;
            int kvDim = c.kvHeads * c.headDim;
            double[] qNorm = null;
            double[] kNorm = null;
            if (c.qkNorm == QkNorm.WHOLE_PROJECTION) {
                qNorm = t.get(p + "q_norm.weight", qDim);
                kNorm = t.get(p + "k_norm.weight", kvDim);
            } else if (c.qkNorm == QkNorm.PER_HEAD) {
                qNorm = t.get(p + "q_norm.weight", c.headDim);
                kNorm = t.get(p + "k_norm.weight", c.headDim);
            }
            return new Attention(
                    t.get(p + "q_proj.weight", qDim, c.hidden),
                    t.get(p + "k_proj.weight", kvDim, c.hidden),
                    t.get(p + "v_proj.weight", kvDim, c.hidden),
                    t.get(p + "o_proj.weight", c.hidden, qDim),
                    c.qkvBias ? t.get(p + "q_proj.bias", qDim) : null,
                    c.qkvBias ? t.get(p + "k_proj.bias", kvDim) : null,
                    c.qkvBias ? t.get(p + "v_proj.bias", kvDim) : null,
                    c.oBias ? t.get(p + "o_proj.bias", c.hidden) : null,
                    qNorm,
                    kNorm);
        }
    }

    private record Mlp(double[] gate, double[] up, double[] down, int inter) {
        /** names: the gate, up and down projection names under {@code prefix}. */
        static Mlp load(ReferenceConfig c, CheckedTensors t, String prefix, String[] names, int inter) {
            return new Mlp(
                    t.get(prefix + names[0] + ".weight", inter, c.hidden),
                    t.get(prefix + names[1] + ".weight", inter, c.hidden),
                    t.get(prefix + names[2] + ".weight", c.hidden, inter),
                    inter);
        }

        double[] apply(double[] x) {
            return swiglu(gate, up, down, x, inter);
        }
    }

    private record Moe(double[] router, Mlp[] experts, Mlp shared, double[] sharedGate) {
        static Moe load(ReferenceConfig c, CheckedTensors t, String p) {
            double[] router = t.get(p + "gate.weight", c.numExperts, c.hidden);
            Mlp[] experts = new Mlp[c.numExperts];
            for (int e = 0; e < c.numExperts; e++) {
                experts[e] = Mlp.load(c, t, p + "experts." + e + ".", c.expertProjNames(), c.expertIntermediate);
            }
            if (c.sharedIntermediate == 0) {
                return new Moe(router, experts, null, null);
            }
            String[] names = {"gate_proj", "up_proj", "down_proj"};
            if (!c.sharedGated) {
                return new Moe(router, experts, Mlp.load(c, t, p + "shared_experts.", names, c.sharedIntermediate), null);
            }
            Mlp shared = Mlp.load(c, t, p + "shared_expert.", names, c.sharedIntermediate);
            return new Moe(router, experts, shared, t.get(p + "shared_expert_gate.weight", 1, c.hidden));
        }

        /**
         * softmax over all experts; top-K (DeepSeek-V2 group_limited_greedy: over the experts of the
         * token's best groups, the others zeroed); renormalised over the K, or else scaled by the routed
         * scaling factor; weighted sum; + the shared expert, sigmoid-gated or not.
         */
        double[] apply(ReferenceConfig c, double[] x) {
            double[] probs = softmax(linear(router, null, x, c.numExperts));
            double[] candidates = c.expertGroups > 0 ? inBestGroups(c, probs) : probs;
            int[] chosen = topK(candidates, c.topK);
            double[] weights = new double[chosen.length];
            double sum = 0;
            for (int k = 0; k < chosen.length; k++) {
                weights[k] = candidates[chosen[k]];
                sum += weights[k];
            }
            for (int k = 0; k < chosen.length; k++) {
                weights[k] = c.renormTopK ? weights[k] / (sum + c.renormEpsilon) : weights[k] * c.routedScalingFactor;
            }
            double[] out = new double[c.hidden];
            for (int k = 0; k < chosen.length; k++) {
                addInPlace(out, experts[chosen[k]].apply(x), weights[k]);
            }
            if (shared != null) {
                addInPlace(out, shared.apply(x), sharedGate == null ? 1 : sigmoid(linear(sharedGate, null, x, 1)[0]));
            }
            return out;
        }

        /** MoEGate group_limited_greedy: group score = max; keep the topk_group best groups, zero the rest. */
        private static double[] inBestGroups(ReferenceConfig c, double[] probs) {
            int size = c.numExperts / c.expertGroups;
            double[] groupScores = new double[c.expertGroups];
            for (int g = 0; g < c.expertGroups; g++) {
                groupScores[g] = Arrays.stream(probs, g * size, (g + 1) * size).max().orElseThrow();
            }
            double[] kept = new double[probs.length];
            for (int g : topK(groupScores, c.groupsPerToken)) {
                System.arraycopy(probs, g * size, kept, g * size, size);
            }
            return kept;
        }
    }
}
