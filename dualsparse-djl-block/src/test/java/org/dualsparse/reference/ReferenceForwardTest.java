package org.dualsparse.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks that the float64 reference is internally consistent and follows the HF semantics it claims. */
class ReferenceForwardTest {

    private static final int SEQ = 16;
    private static final long SEED = 7;

    static Stream<Arguments> configs() {
        return TinyConfigs.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    // ---- the tensor list and the plain run ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void runsOnExactlyTheGeneratedTensors(String name, JsonObject config) {
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        long[] ids = ids(config, SEQ, 1);
        double[][] logits = ReferenceForward.logits(config, w, ids);

        int vocab = config.get("vocab_size").getAsInt();
        assertEquals(SEQ, logits.length);
        for (double[] row : logits) {
            assertEquals(vocab, row.length);
            for (double v : row) {
                assertTrue(Double.isFinite(v));
            }
        }
        assertFalse(maxAbsDiff(logits[0], logits[SEQ - 1]) < 1e-3, "positions should not all look alike");
        assertArrayEquals(logits[SEQ - 1], ReferenceForward.lastLogits(config, w, ids));
    }

    @Test
    void tensorNamesAndShapesAreThoseOfHfCheckpoints() {
        Map<String, int[]> mixtral = ReferenceWeights.shapes(TinyConfigs.mixtral());
        assertEquals(1 + 3 * (2 + 4 + 1 + 4 * 3) + 2, mixtral.size());
        assertShape(mixtral, "model.embed_tokens.weight", 96, 32);
        assertShape(mixtral, "model.layers.0.self_attn.k_proj.weight", 16, 32);
        assertShape(mixtral, "model.layers.1.block_sparse_moe.gate.weight", 4, 32);
        assertShape(mixtral, "model.layers.2.block_sparse_moe.experts.3.w1.weight", 24, 32);
        assertShape(mixtral, "model.layers.2.block_sparse_moe.experts.3.w3.weight", 24, 32);
        assertShape(mixtral, "model.layers.2.block_sparse_moe.experts.3.w2.weight", 32, 24);
        assertShape(mixtral, "lm_head.weight", 96, 32);

        Map<String, int[]> tied = ReferenceWeights.shapes(TinyConfigs.mixtralTied());
        assertFalse(tied.containsKey("lm_head.weight"));
        assertShape(tied, "model.layers.0.self_attn.q_proj.weight", 40, 24);
        assertShape(tied, "model.layers.0.self_attn.o_proj.weight", 24, 40);

        Map<String, int[]> olmoe = ReferenceWeights.shapes(TinyConfigs.olmoe());
        assertEquals(1 + 3 * (2 + 4 + 2 + 1 + 8 * 3) + 2, olmoe.size());
        assertShape(olmoe, "model.layers.0.self_attn.q_norm.weight", 32);
        assertShape(olmoe, "model.layers.0.self_attn.k_norm.weight", 16);
        assertShape(olmoe, "model.layers.1.mlp.experts.7.down_proj.weight", 32, 16);

        Map<String, int[]> qwen2 = ReferenceWeights.shapes(TinyConfigs.qwen2Moe());
        int attn = 4 + 3 + 2; // weights, q/k/v biases, two norms
        assertEquals(1 + 2 * (attn + 3) + 2 * (attn + 1 + 6 * 3 + 3 + 1) + 2, qwen2.size());
        assertShape(qwen2, "model.layers.0.self_attn.q_proj.bias", 32);
        assertShape(qwen2, "model.layers.0.self_attn.k_proj.bias", 16);
        assertFalse(qwen2.containsKey("model.layers.0.self_attn.o_proj.bias"));
        assertShape(qwen2, "model.layers.0.mlp.gate_proj.weight", 48, 32);
        assertShape(qwen2, "model.layers.1.mlp.experts.5.up_proj.weight", 16, 32);
        assertShape(qwen2, "model.layers.1.mlp.shared_expert.down_proj.weight", 32, 24);
        assertShape(qwen2, "model.layers.1.mlp.shared_expert_gate.weight", 1, 32);
        assertFalse(qwen2.containsKey("model.layers.2.mlp.gate.weight"));
        assertShape(qwen2, "model.layers.3.mlp.gate.weight", 6, 32);

        Map<String, int[]> qwen3 = ReferenceWeights.shapes(TinyConfigs.qwen3Moe());
        assertShape(qwen3, "model.layers.0.self_attn.q_proj.weight", 64, 48);
        assertShape(qwen3, "model.layers.0.self_attn.o_proj.weight", 48, 64);
        assertShape(qwen3, "model.layers.0.self_attn.q_norm.weight", 16);
        assertShape(qwen3, "model.layers.0.self_attn.k_norm.weight", 16);
        assertShape(qwen3, "model.layers.1.mlp.down_proj.weight", 48, 40);
        assertShape(qwen3, "model.layers.2.mlp.experts.0.gate_proj.weight", 20, 48);
        assertFalse(qwen3.containsKey("model.layers.0.self_attn.q_proj.bias"));

        Map<String, int[]> bias = ReferenceWeights.shapes(TinyConfigs.qwen3MoeAttentionBias());
        assertShape(bias, "model.layers.0.self_attn.q_proj.bias", 32);
        assertShape(bias, "model.layers.0.self_attn.k_proj.bias", 8);
        assertShape(bias, "model.layers.0.self_attn.o_proj.bias", 32);
        assertShape(bias, "model.layers.1.mlp.gate.weight", 4, 32);
        assertShape(bias, "model.layers.2.mlp.up_proj.weight", 40, 32);
        assertFalse(bias.containsKey("lm_head.weight"));
    }

    // ---- causality and receptive fields ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void logitsDoNotDependOnLaterTokens(String name, JsonObject config) {
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        long[] ids = ids(config, SEQ, 2);
        long[] changed = ids.clone();
        int p = 9;
        changed[p] = (ids[p] + 1) % config.get("vocab_size").getAsInt();

        double[][] a = ReferenceForward.logits(config, w, ids);
        double[][] b = ReferenceForward.logits(config, w, changed);
        for (int i = 0; i < p; i++) {
            assertArrayEquals(a[i], b[i], 0, "position " + i);
        }
        for (int i = p; i < SEQ; i++) {
            assertTrue(maxAbsDiff(a[i], b[i]) > 1e-6, "position " + i + " should see token " + p);
        }
    }

    /**
     * With L layers that all slide with window w, information moves at most w-1 positions per layer, so
     * token 0 reaches exactly positions 0..L(w-1). Without a window it reaches the last position.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void firstTokenReachesExactlyTheStackedWindow(String name, JsonObject config) {
        ReferenceConfig c = ReferenceConfig.parse(config);
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        long[] ids = ids(config, SEQ, 3);
        long[] changed = ids.clone();
        changed[0] = (ids[0] + 1) % c.vocab;
        double[][] a = ReferenceForward.logits(config, w, ids);
        double[][] b = ReferenceForward.logits(config, w, changed);

        int reach = SEQ - 1;
        boolean allSlide = true;
        for (int l = 0; l < c.layers; l++) {
            allSlide &= c.slidingWindow(l) > 0 && c.slidingWindow(l) == c.slidingWindow(0);
        }
        if (allSlide) {
            reach = c.layers * (c.slidingWindow(0) - 1);
            assertTrue(reach < SEQ - 1, "config should leave positions out of reach");
        }
        assertTrue(maxAbsDiff(a[reach], b[reach]) > 1e-6, "position " + reach + " should see token 0");
        for (int i = reach + 1; i < SEQ; i++) {
            assertArrayEquals(a[i], b[i], 0, "position " + i);
        }
    }

    @Test
    void windowWiderThanTheSequenceIsNoWindow() {
        JsonObject none = with(TinyConfigs.mixtral(), c -> c.add("sliding_window", JsonNull.INSTANCE));
        JsonObject wide = with(TinyConfigs.mixtral(), c -> c.addProperty("sliding_window", SEQ));
        Map<String, float[]> w = ReferenceWeights.random(none, SEED);
        long[] ids = ids(none, SEQ, 4);
        assertClose(ReferenceForward.logits(none, w, ids), ReferenceForward.logits(wide, w, ids), 0);
        assertFalse(maxAbsDiff(
                ReferenceForward.lastLogits(none, w, ids),
                ReferenceForward.lastLogits(TinyConfigs.mixtral(), w, ids)) < 1e-6);
    }

    // ---- Qwen2-MoE sliding window selection ----

    @Test
    void qwen2MoeSlidesEvenLayersBelowMaxWindowLayers() {
        ReferenceConfig c = ReferenceConfig.parse(TinyConfigs.qwen2MoeSlidingWindow());
        assertArrayEquals(new int[] {4, 0, 4, 0}, windows(c));
        assertArrayEquals(new int[] {0, 0, 0, 0}, windows(ReferenceConfig.parse(TinyConfigs.qwen2Moe())));
        JsonObject explicit = with(TinyConfigs.qwen2MoeSlidingWindow(), j -> j.add("layer_types", strings(
                "full_attention", "sliding_attention", "full_attention", "full_attention")));
        assertArrayEquals(new int[] {0, 4, 0, 0}, windows(ReferenceConfig.parse(explicit)));
    }

    @Test
    void qwen2MoeWindowChangesOnlyPositionsBeyondIt() {
        JsonObject sliding = TinyConfigs.qwen2MoeSlidingWindow();
        JsonObject off = with(sliding, j -> j.addProperty("use_sliding_window", false));
        Map<String, float[]> w = ReferenceWeights.random(sliding, SEED);
        long[] ids = ids(sliding, SEQ, 5);
        double[][] a = ReferenceForward.logits(sliding, w, ids);
        double[][] b = ReferenceForward.logits(off, w, ids);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a[i], b[i], 0, "position " + i);
        }
        for (int i = 4; i < SEQ; i++) {
            assertTrue(maxAbsDiff(a[i], b[i]) > 1e-6, "position " + i);
        }

        // the window keys of a config with use_sliding_window false are inert
        JsonObject qwen2 = TinyConfigs.qwen2Moe();
        JsonObject bare = with(qwen2, j -> {
            j.remove("sliding_window");
            j.remove("max_window_layers");
        });
        Map<String, float[]> w2 = ReferenceWeights.random(qwen2, SEED);
        assertClose(ReferenceForward.logits(qwen2, w2, ids(qwen2, SEQ, 5)),
                ReferenceForward.logits(bare, w2, ids(qwen2, SEQ, 5)), 0);
    }

    // ---- hand-computed cases ----

    /**
     * One layer, d 4, one head of explicit head_dim 2 (so the 1/√hd scale is not 1/√(d/H)), one expert:
     * attention over two positions with RoPE at position 1, then a plain SwiGLU. Weights are dyadic, so
     * float storage is exact.
     */
    @Test
    void mixtralMatchesHandComputation() {
        JsonObject config = json("""
                {"model_type": "mixtral", "vocab_size": 3, "hidden_size": 4, "intermediate_size": 1,
                 "num_hidden_layers": 1, "num_attention_heads": 1, "num_key_value_heads": 1, "head_dim": 2,
                 "num_local_experts": 1, "num_experts_per_tok": 1, "rms_norm_eps": 1e-6,
                 "rope_theta": 10000.0}
                """);
        double[][] embed = {{1, 0.5, -0.25, 0.75}, {0.25, -0.5, 1.5, 0}, {0.625, -1.25, 0.375, 0.5}};
        double[] inNorm = {1.125, 0.875, 1, 0.9375};
        double[][] wq = {{0.75, -0.25, 0.5, 0.125}, {0.375, 0.875, -0.5, 0.25}};
        double[][] wk = {{0.5, 0.25, -0.125, 0.625}, {-0.625, 0.75, 0.25, -0.375}};
        double[][] wv = {{1.0, 0.25, 0.5, -0.25}, {0.125, -0.75, 0.375, 0.5}};
        double[][] wo = {{0.25, -0.5}, {0.625, 0.375}, {-0.125, 0.75}, {0.5, 0.25}};
        double[] postNorm = {0.9375, 1.0625, 1.125, 0.875};
        double[][] w1 = {{0.75, -0.625, 0.25, 0.5}};
        double[][] w3 = {{0.5, 0.6875, -0.375, 0.25}};
        double[][] w2 = {{1.25}, {-0.875}, {0.5}, {0.25}};
        double[] finalNorm = {1.0, 0.8125, 1.25, 0.75};
        double[][] head = {{0.5, -0.375, 0.25, 0.125}, {0.25, 0.875, -0.5, 0.375}, {-0.6875, 0.1875, 0.75, -0.25}};
        String p = "model.layers.0.";
        Map<String, float[]> w = new HashMap<>();
        w.put("model.embed_tokens.weight", flat(embed));
        w.put(p + "input_layernorm.weight", f(inNorm));
        w.put(p + "self_attn.q_proj.weight", flat(wq));
        w.put(p + "self_attn.k_proj.weight", flat(wk));
        w.put(p + "self_attn.v_proj.weight", flat(wv));
        w.put(p + "self_attn.o_proj.weight", flat(wo));
        w.put(p + "post_attention_layernorm.weight", f(postNorm));
        w.put(p + "block_sparse_moe.gate.weight", f(0.25, -0.125, 0.5, 0));
        w.put(p + "block_sparse_moe.experts.0.w1.weight", flat(w1));
        w.put(p + "block_sparse_moe.experts.0.w3.weight", flat(w3));
        w.put(p + "block_sparse_moe.experts.0.w2.weight", flat(w2));
        w.put("model.norm.weight", f(finalNorm));
        w.put("lm_head.weight", flat(head));

        double eps = 1e-6;
        double[][] xs = {embed[0], embed[2]}; // ids 0 and 2
        double[] n0 = norm(xs[0], inNorm, eps);
        double[] n1 = norm(xs[1], inNorm, eps);
        double[] q1 = matVec(wq, n1);
        double[] k0 = matVec(wk, n0);
        double[] k1 = matVec(wk, n1);
        double[] v0 = matVec(wv, n0);
        double[] v1 = matVec(wv, n1);
        // position 1, hd 2: the pair (0, 1) turns by 1·θ^0 = 1 rad, x' = (x0 cos − x1 sin, x1 cos + x0 sin);
        // position 0 is not rotated
        double c = Math.cos(1);
        double s = Math.sin(1);
        double[] q1r = {q1[0] * c - q1[1] * s, q1[1] * c + q1[0] * s};
        double[] k1r = {k1[0] * c - k1[1] * s, k1[1] * c + k1[0] * s};
        double s0 = (q1r[0] * k0[0] + q1r[1] * k0[1]) / Math.sqrt(2);
        double s1 = (q1r[0] * k1r[0] + q1r[1] * k1r[1]) / Math.sqrt(2);
        double p0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
        double[][] ctx = {v0, {p0 * v0[0] + (1 - p0) * v1[0], p0 * v0[1] + (1 - p0) * v1[1]}};
        double[][] expected = new double[2][];
        for (int pos = 0; pos < 2; pos++) {
            double[] h = add(xs[pos], matVec(wo, ctx[pos]));
            double[] m = norm(h, postNorm, eps);
            double a = silu(matVec(w1, m)[0]) * matVec(w3, m)[0];
            double[] out = add(h, matVec(w2, new double[] {a})); // the only expert has routing weight 1
            expected[pos] = matVec(head, norm(out, finalNorm, eps));
        }
        assertClose(expected, ReferenceForward.logits(config, w, new long[] {0, 2}), 1e-12);
    }

    /** hd 4, θ 10000: pairs (0, 2) and (1, 3) turn by pos·1 and pos·10000^(−1/2) = pos·0.01. */
    @Test
    void ropeRotatesPairsHalfApartWithHfFrequencies() {
        double[] x = {9, 1, 2, 3, 4, 9}; // one head at offset 1
        ReferenceMath.rope(x, 1, 4, 3, 10000);
        double a = 3.0;
        double b = 0.03;
        double[] expected = {
            9,
            1 * Math.cos(a) - 3 * Math.sin(a),
            2 * Math.cos(b) - 4 * Math.sin(b),
            3 * Math.cos(a) + 1 * Math.sin(a),
            4 * Math.cos(b) + 2 * Math.sin(b),
            9
        };
        assertArrayEquals(expected, x, 1e-12);
    }

    /**
     * One position, so attention is v_proj(x) + bias; the top-1 of 2 experts keeps its raw softmax
     * weight (norm_topk_prob false); the shared expert is scaled by a sigmoid gate.
     */
    @Test
    void qwen2MoeMatchesHandComputation() {
        JsonObject config = json("""
                {"model_type": "qwen2_moe", "vocab_size": 2, "hidden_size": 2, "intermediate_size": 4,
                 "moe_intermediate_size": 1, "shared_expert_intermediate_size": 1,
                 "num_hidden_layers": 1, "num_attention_heads": 1, "num_key_value_heads": 1,
                 "num_experts": 2, "num_experts_per_tok": 1, "norm_topk_prob": false,
                 "rms_norm_eps": 1e-6, "rope_theta": 10000.0}
                """);
        String p = "model.layers.0.";
        Map<String, float[]> w = new HashMap<>();
        w.put("model.embed_tokens.weight", f(0.875, -0.375, 0.25, 1.25));
        w.put(p + "input_layernorm.weight", f(1.0, 1.0));
        w.put(p + "self_attn.q_proj.weight", f(0.25, 0.125, -0.25, 0.5));
        w.put(p + "self_attn.k_proj.weight", f(0.375, -0.125, 0.25, 0.625));
        w.put(p + "self_attn.v_proj.weight", f(0.75, -0.25, 0.5, 0.125));
        w.put(p + "self_attn.q_proj.bias", f(0.0625, -0.03125));
        w.put(p + "self_attn.k_proj.bias", f(0.015625, 0.03125));
        w.put(p + "self_attn.v_proj.bias", f(0.125, -0.1875));
        w.put(p + "self_attn.o_proj.weight", f(0.625, 0.25, -0.125, 0.6875));
        w.put(p + "post_attention_layernorm.weight", f(1.1875, 0.8125));
        w.put(p + "mlp.gate.weight", f(0.875, -0.5, -0.375, 0.625));
        w.put(p + "mlp.experts.0.gate_proj.weight", f(0.6875, 0.1875));
        w.put(p + "mlp.experts.0.up_proj.weight", f(-0.3125, 0.875));
        w.put(p + "mlp.experts.0.down_proj.weight", f(0.5, 1.125));
        w.put(p + "mlp.experts.1.gate_proj.weight", f(-0.625, 0.375));
        w.put(p + "mlp.experts.1.up_proj.weight", f(0.8125, 0.125));
        w.put(p + "mlp.experts.1.down_proj.weight", f(-1.0, 0.3125));
        w.put(p + "mlp.shared_expert.gate_proj.weight", f(0.375, 0.4375));
        w.put(p + "mlp.shared_expert.up_proj.weight", f(1.0, -0.5));
        w.put(p + "mlp.shared_expert.down_proj.weight", f(0.1875, -0.6875));
        w.put(p + "mlp.shared_expert_gate.weight", f(0.3125, -1.125));
        w.put("model.norm.weight", f(0.875, 1.125));
        w.put("lm_head.weight", f(1.0, -0.5, 0.375, 0.8125));

        double eps = 1e-6;
        double[] x = {0.875, -0.375};
        double[] n = norm2(x, 1.0, 1.0, eps);
        double[] v = mul2(0.75, -0.25, 0.5, 0.125, n);
        double[] ctx = {v[0] + 0.125, v[1] - 0.1875}; // softmax over a single key is 1
        double[] o = mul2(0.625, 0.25, -0.125, 0.6875, ctx);
        double[] h = {x[0] + o[0], x[1] + o[1]};
        double[] m = norm2(h, 1.1875, 0.8125, eps);
        double r0 = 0.875 * m[0] - 0.5 * m[1];
        double r1 = -0.375 * m[0] + 0.625 * m[1];
        double prob0 = Math.exp(r0) / (Math.exp(r0) + Math.exp(r1));
        double[] routed;
        if (prob0 >= 0.5) {
            double a = silu(0.6875 * m[0] + 0.1875 * m[1]) * (-0.3125 * m[0] + 0.875 * m[1]);
            routed = new double[] {prob0 * 0.5 * a, prob0 * 1.125 * a};
        } else {
            double a = silu(-0.625 * m[0] + 0.375 * m[1]) * (0.8125 * m[0] + 0.125 * m[1]);
            routed = new double[] {(1 - prob0) * -1.0 * a, (1 - prob0) * 0.3125 * a};
        }
        double sa = silu(0.375 * m[0] + 0.4375 * m[1]) * (1.0 * m[0] - 0.5 * m[1]);
        double gate = 1 / (1 + Math.exp(-(0.3125 * m[0] - 1.125 * m[1])));
        double[] out = {h[0] + routed[0] + gate * 0.1875 * sa, h[1] + routed[1] - gate * 0.6875 * sa};
        double[] fin = norm2(out, 0.875, 1.125, eps);
        double[] expected = {1.0 * fin[0] - 0.5 * fin[1], 0.375 * fin[0] + 0.8125 * fin[1]};

        assertArrayEquals(expected, ReferenceForward.lastLogits(config, w, new long[] {0}), 1e-12);
    }

    // ---- equivalences that pin down individual switches ----

    /** kv head g must serve query heads g·(H/KV)...: duplicating each kv head in place gives MHA. */
    @Test
    void gqaRepeatsEachKvHeadForConsecutiveQueryHeads() {
        JsonObject gqa = TinyConfigs.mixtral(); // H 4, KV 2, hd 8
        JsonObject mha = with(gqa, j -> j.addProperty("num_key_value_heads", 4));
        Map<String, float[]> w = ReferenceWeights.random(gqa, SEED);
        Map<String, float[]> repeated = new HashMap<>(w);
        Map<String, float[]> tiled = new HashMap<>(w);
        for (int l = 0; l < 3; l++) {
            for (String proj : new String[] {"k_proj", "v_proj"}) {
                String name = "model.layers." + l + ".self_attn." + proj + ".weight";
                float[] kv = w.get(name); // [2·8, 32]
                repeated.put(name, headRows(kv, 8 * 32, 0, 0, 1, 1));
                tiled.put(name, headRows(kv, 8 * 32, 0, 1, 0, 1));
            }
        }
        long[] ids = ids(gqa, SEQ, 6);
        double[][] expected = ReferenceForward.logits(gqa, w, ids);
        assertClose(expected, ReferenceForward.logits(mha, repeated, ids), 1e-12);
        assertFalse(maxAbsDiff(expected[SEQ - 1], ReferenceForward.lastLogits(mha, tiled, ids)) < 1e-6);
    }

    /** A single expert chosen with weight 1 is a dense SwiGLU of the same width. */
    @Test
    void oneExpertMoeEqualsDenseLayer() {
        JsonObject dense = with(TinyConfigs.qwen3Moe(), j -> j.add("mlp_only_layers", ints(0, 1, 2)));
        JsonObject moe = with(TinyConfigs.qwen3Moe(), j -> {
            j.add("mlp_only_layers", ints());
            j.addProperty("num_experts", 1);
            j.addProperty("num_experts_per_tok", 1);
            j.addProperty("moe_intermediate_size", 40);
        });
        Map<String, float[]> w = ReferenceWeights.random(dense, SEED);
        Map<String, float[]> asExperts = new HashMap<>();
        w.forEach((name, data) -> asExperts.put(name.replaceFirst("\\.mlp\\.", ".mlp.experts.0."), data));
        for (int l = 0; l < 3; l++) {
            asExperts.put("model.layers." + l + ".mlp.gate.weight", new float[48]); // softmax over one expert is 1
        }
        long[] ids = ids(dense, SEQ, 7);
        assertClose(ReferenceForward.logits(dense, w, ids), ReferenceForward.logits(moe, asExperts, ids), 1e-12);
    }

    /** Routing depends on expert identity only through the router rows. */
    @Test
    void permutingExpertsAndRouterRowsChangesNothing() {
        JsonObject config = TinyConfigs.olmoe(); // 8 experts
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        int[] perm = {3, 7, 0, 5, 1, 6, 2, 4};
        Map<String, float[]> permuted = new HashMap<>(w);
        for (int l = 0; l < 3; l++) {
            String p = "model.layers." + l + ".mlp.";
            float[] router = w.get(p + "gate.weight");
            float[] newRouter = new float[router.length];
            for (int e = 0; e < 8; e++) {
                System.arraycopy(router, perm[e] * 32, newRouter, e * 32, 32);
                for (String proj : new String[] {"gate_proj", "up_proj", "down_proj"}) {
                    permuted.put(p + "experts." + e + "." + proj + ".weight",
                            w.get(p + "experts." + perm[e] + "." + proj + ".weight"));
                }
            }
            permuted.put(p + "gate.weight", newRouter);
        }
        long[] ids = ids(config, SEQ, 8);
        assertClose(ReferenceForward.logits(config, w, ids), ReferenceForward.logits(config, permuted, ids), 1e-12);
    }

    @Test
    void tiedHeadIsTheEmbeddingMatrix() {
        JsonObject tied = TinyConfigs.mixtralTied();
        JsonObject untied = with(tied, j -> j.addProperty("tie_word_embeddings", false));
        Map<String, float[]> w = ReferenceWeights.random(tied, SEED);
        Map<String, float[]> withHead = new HashMap<>(w);
        withHead.put("lm_head.weight", w.get("model.embed_tokens.weight"));
        long[] ids = ids(tied, SEQ, 9);
        assertClose(ReferenceForward.logits(tied, w, ids), ReferenceForward.logits(untied, withHead, ids), 0);
    }

    @Test
    void normTopkProbIsLive() {
        JsonObject off = TinyConfigs.olmoe();
        JsonObject on = with(off, j -> j.addProperty("norm_topk_prob", true));
        Map<String, float[]> w = ReferenceWeights.random(off, SEED);
        long[] ids = ids(off, SEQ, 10);
        assertTrue(maxAbsDiff(
                ReferenceForward.lastLogits(off, w, ids), ReferenceForward.lastLogits(on, w, ids)) > 1e-3);
    }

    /** clip_qkv 1.0 really clips the tiny model; a huge bound equals no clipping. */
    @Test
    void clipQkvClipsAndHugeBoundIsNoClip() {
        JsonObject clipped = TinyConfigs.olmoeNormTopkClip();
        JsonObject none = with(clipped, j -> j.add("clip_qkv", JsonNull.INSTANCE));
        JsonObject huge = with(clipped, j -> j.addProperty("clip_qkv", 1e9));
        Map<String, float[]> w = ReferenceWeights.random(clipped, SEED);
        long[] ids = ids(clipped, SEQ, 11);
        assertClose(ReferenceForward.logits(none, w, ids), ReferenceForward.logits(huge, w, ids), 0);
        assertTrue(maxAbsDiff(ReferenceForward.lastLogits(none, w, ids),
                ReferenceForward.lastLogits(clipped, w, ids)) > 1e-3);
    }

    /**
     * OLMoE clips after the q/k norm: scaling q_proj and k_proj by 100 is undone by the norm before the
     * clamp sees it (clipping first would saturate every entry).
     */
    @Test
    void olmoeClipsAfterTheQkNorm() {
        JsonObject config = TinyConfigs.olmoeNormTopkClip();
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        Map<String, float[]> scaled = new HashMap<>(w);
        for (int l = 0; l < 3; l++) {
            for (String proj : new String[] {"q_proj", "k_proj"}) {
                String name = "model.layers." + l + ".self_attn." + proj + ".weight";
                scaled.put(name, scale(w.get(name), 0, w.get(name).length, 100));
            }
        }
        long[] ids = ids(config, SEQ, 12);
        // not exact: rms_norm_eps weighs less against the larger projections
        assertClose(ReferenceForward.logits(config, w, ids), ReferenceForward.logits(config, scaled, ids), 1e-4);
    }

    /**
     * Per-head q-norm (Qwen3) makes each head scale-free; whole-projection q-norm (OLMoE) shares the
     * statistics, so scaling one head's rows changes every head.
     */
    @Test
    void qkNormStatisticsArePerHeadForQwen3AndWholeForOlmoe() {
        JsonObject qwen3 = TinyConfigs.qwen3Moe(); // hd 16, d 48
        Map<String, float[]> w3 = ReferenceWeights.random(qwen3, SEED);
        long[] ids3 = ids(qwen3, SEQ, 13);
        assertClose(ReferenceForward.logits(qwen3, w3, ids3),
                ReferenceForward.logits(qwen3, scaleHead0OfQ(w3, 16 * 48), ids3), 1e-4);

        JsonObject olmoe = TinyConfigs.olmoe(); // hd 8, d 32
        Map<String, float[]> wo = ReferenceWeights.random(olmoe, SEED);
        long[] idsO = ids(olmoe, SEQ, 13);
        assertTrue(maxAbsDiff(ReferenceForward.lastLogits(olmoe, wo, idsO),
                ReferenceForward.lastLogits(olmoe, scaleHead0OfQ(wo, 8 * 32), idsO)) > 1e-3);
    }

    // ---- DeepSeek ----

    @Test
    void deepseekTensorNamesAndShapesAreThoseOfHubCheckpoints() {
        Map<String, int[]> v1 = ReferenceWeights.shapes(TinyConfigs.deepseekMoe());
        assertShape(v1, "model.layers.0.self_attn.k_proj.weight", 16, 32);
        assertShape(v1, "model.layers.1.mlp.gate_proj.weight", 48, 32);
        assertShape(v1, "model.layers.2.mlp.gate.weight", 8, 32);
        assertShape(v1, "model.layers.2.mlp.experts.7.down_proj.weight", 32, 12);
        assertShape(v1, "model.layers.4.mlp.shared_experts.gate_proj.weight", 24, 32);
        assertShape(v1, "model.layers.4.mlp.shared_experts.down_proj.weight", 32, 24);
        assertFalse(v1.containsKey("model.layers.3.mlp.gate.weight"));
        assertFalse(v1.containsKey("model.layers.2.mlp.shared_expert_gate.weight"));

        Map<String, int[]> biased = ReferenceWeights.shapes(TinyConfigs.deepseekMoeTopOneBiased());
        assertShape(biased, "model.layers.0.self_attn.q_proj.bias", 32);
        assertShape(biased, "model.layers.0.self_attn.o_proj.bias", 32);
        assertFalse(biased.containsKey("model.layers.0.mlp.shared_experts.up_proj.weight"));
        assertFalse(biased.containsKey("lm_head.weight"));

        Map<String, int[]> lite = ReferenceWeights.shapes(TinyConfigs.deepseekV2Lite());
        int attention = 5; // q_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj
        assertEquals(1 + (2 + attention + 3) + 2 * (2 + attention + 1 + 8 * 3 + 3) + 2, lite.size());
        assertShape(lite, "model.layers.0.self_attn.q_proj.weight", 4 * (8 + 8), 48);
        assertShape(lite, "model.layers.0.self_attn.kv_a_proj_with_mqa.weight", 16 + 8, 48);
        assertShape(lite, "model.layers.0.self_attn.kv_a_layernorm.weight", 16);
        assertShape(lite, "model.layers.0.self_attn.kv_b_proj.weight", 4 * (8 + 8), 16);
        assertShape(lite, "model.layers.0.self_attn.o_proj.weight", 48, 4 * 8);
        assertShape(lite, "model.layers.0.mlp.down_proj.weight", 48, 64);
        assertShape(lite, "model.layers.1.mlp.shared_experts.up_proj.weight", 24, 48);
        assertFalse(lite.containsKey("model.layers.0.self_attn.k_proj.weight"));

        Map<String, int[]> v2 = ReferenceWeights.shapes(TinyConfigs.deepseekV2());
        assertShape(v2, "model.layers.0.self_attn.q_a_proj.weight", 24, 48);
        assertShape(v2, "model.layers.0.self_attn.q_a_layernorm.weight", 24);
        assertShape(v2, "model.layers.0.self_attn.q_b_proj.weight", 4 * (8 + 8), 24);
        assertShape(v2, "model.layers.0.self_attn.kv_b_proj.weight", 4 * (8 + 12), 8);
        assertShape(v2, "model.layers.0.self_attn.o_proj.weight", 48, 4 * 12);
        assertFalse(v2.containsKey("model.layers.0.self_attn.q_proj.weight"));
    }

    /** MoEGate renormalises only `if self.top_k > 1 and self.norm_topk_prob`. */
    @Test
    void deepseekRenormalisesOnlyMoreThanOneExpert() {
        JsonObject topOne = TinyConfigs.deepseekMoeTopOneBiased();
        JsonObject topOneOff = with(topOne, j -> j.addProperty("norm_topk_prob", false));
        Map<String, float[]> w1 = ReferenceWeights.random(topOne, SEED);
        long[] ids1 = ids(topOne, SEQ, 16);
        assertClose(ReferenceForward.logits(topOne, w1, ids1), ReferenceForward.logits(topOneOff, w1, ids1), 0);

        JsonObject topThree = TinyConfigs.deepseekMoe();
        JsonObject topThreeOff = with(topThree, j -> j.addProperty("norm_topk_prob", false));
        Map<String, float[]> w3 = ReferenceWeights.random(topThree, SEED);
        long[] ids3 = ids(topThree, SEQ, 16);
        assertTrue(maxAbsDiff(ReferenceForward.lastLogits(topThree, w3, ids3),
                ReferenceForward.lastLogits(topThreeOff, w3, ids3)) > 1e-3);
    }

    /** MoEGate: `if top_k > 1 and norm_topk_prob: renormalise, else: * routed_scaling_factor`. */
    @Test
    void routedScalingFactorScalesOnlyWeightsThatAreNotRenormalised() {
        JsonObject renormalised = TinyConfigs.deepseekV2NormTopk(); // factor 16
        JsonObject unscaled = with(renormalised, j -> j.addProperty("routed_scaling_factor", 1.0));
        Map<String, float[]> w = ReferenceWeights.random(renormalised, SEED);
        long[] ids = ids(renormalised, SEQ, 17);
        assertClose(ReferenceForward.logits(renormalised, w, ids), ReferenceForward.logits(unscaled, w, ids), 0);

        JsonObject scaled = TinyConfigs.deepseekV2(); // factor 2.5
        JsonObject scaledOff = with(scaled, j -> j.addProperty("routed_scaling_factor", 1.0));
        Map<String, float[]> w2 = ReferenceWeights.random(scaled, SEED);
        long[] ids2 = ids(scaled, SEQ, 17);
        assertTrue(maxAbsDiff(ReferenceForward.lastLogits(scaled, w2, ids2),
                ReferenceForward.lastLogits(scaledOff, w2, ids2)) > 1e-3);
    }

    /** Keeping every group is greedy top-K; keeping 2 of 4 changes the routing of the tiny model. */
    @Test
    void groupLimitedGreedyRestrictsExpertsToTheBestGroups() {
        JsonObject limited = TinyConfigs.deepseekV2();
        JsonObject allGroups = with(limited, j -> j.addProperty("topk_group", 4));
        JsonObject greedy = with(limited, j -> j.addProperty("topk_method", "greedy"));
        Map<String, float[]> w = ReferenceWeights.random(limited, SEED);
        long[] ids = ids(limited, SEQ, 18);
        assertClose(ReferenceForward.logits(greedy, w, ids), ReferenceForward.logits(allGroups, w, ids), 0);
        assertTrue(maxAbsDiff(ReferenceForward.lastLogits(greedy, w, ids),
                ReferenceForward.lastLogits(limited, w, ids)) > 1e-3);
    }

    /**
     * The remote layout (pairs (2i, 2i+1) moved to halves, then rotate_half) scores queries against keys
     * exactly as rotating adjacent pairs by complex multiplication does (transformers v5's convention).
     */
    @Test
    void remoteRopeLayoutScoresLikeAdjacentPairRotation() {
        ReferenceConfig.Mla m = ReferenceConfig.parse(TinyConfigs.deepseekV2()).mla;
        Random r = new Random(19);
        double[] q = r.doubles(m.ropeHeadDim(), -1, 1).toArray();
        double[] k = r.doubles(m.ropeHeadDim(), -1, 1).toArray();
        for (int[] pos : new int[][] {{0, 0}, {5, 2}, {11, 11}, {3, 9}}) {
            double remote = dot(ReferenceForward.rotaryInterleaved(q, pos[0], m),
                    ReferenceForward.rotaryInterleaved(k, pos[1], m));
            double complex = dot(rotatePairs(q, pos[0], m), rotatePairs(k, pos[1], m));
            assertEquals(complex, remote, 1e-12, "positions " + Arrays.toString(pos));
        }
        assertTrue(Math.abs(dot(ReferenceForward.rotaryInterleaved(q, 5, m), ReferenceForward.rotaryInterleaved(k, 2, m))
                - dot(rotateHalvesWithoutReordering(q, 5, m), rotateHalvesWithoutReordering(k, 2, m))) > 1e-3,
                "plain rotate_half on the interleaved layout is the classic bug and must differ");
    }

    /**
     * DeepSeek-V2-Lite's YaRN (dim 64, θ 10⁴, factor 40, original 4096, β 32 / 1, mscale 0.707 for
     * both): the ramp runs from frequency 10 to 23, cos/sin are unscaled, m = 0.1·0.707·ln 40 + 1 ≈
     * 1.2608, softmax scale 192^-½·m² ≈ 0.11472.
     */
    @Test
    void yarnMatchesThePublishedV2LiteNumbers() {
        double[] extra = ReferenceMath.ropeInverseFrequencies(64, 10000);
        double[] yarn = ReferenceMath.yarnInverseFrequencies(64, 10000, 40, 4096, 32, 1);
        for (int i = 0; i < 32; i++) {
            double ramp = Math.min(Math.max((i - 10) / 13.0, 0), 1);
            assertEquals(extra[i] / 40 * ramp + extra[i] * (1 - ramp), yarn[i], 1e-15, "frequency " + i);
        }
        assertEquals(extra[10], yarn[10], 0);
        assertEquals(extra[23] / 40, yarn[23], 1e-18);
        double m = ReferenceMath.yarnMscale(40, 0.707);
        assertEquals(1.2608, m, 1e-4);
        JsonObject lite = with(TinyConfigs.deepseekV2Lite(), j -> {
            j.addProperty("qk_nope_head_dim", 128);
            j.addProperty("qk_rope_head_dim", 64);
            j.getAsJsonObject("rope_scaling").addProperty("original_max_position_embeddings", 4096);
        });
        ReferenceConfig.Mla mla = ReferenceConfig.parse(lite).mla;
        assertEquals(0.11472, mla.softmaxScale(), 1e-5);
        assertEquals(1, mla.ropeMagnitude(), 1e-15);
        assertArrayEquals(yarn, mla.invFreq(), 0);
    }

    @Test
    void deepseekSwitchesTheReferenceDoesNotImplementAreRejected() {
        assertRejected("topk_method", TinyConfigs.deepseekV2(), j -> j.addProperty("topk_method", "noaux_tc"));
        assertRejected("scoring_func", TinyConfigs.deepseekMoe(), j -> j.addProperty("scoring_func", "sigmoid"));
        assertRejected("pretraining_tp", TinyConfigs.deepseekMoe(), j -> j.addProperty("pretraining_tp", 2));
        assertRejected("rope_scaling", TinyConfigs.deepseekV2(),
                j -> j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 2.0}")));
        assertRejected("rope_scaling", TinyConfigs.deepseekMoe(),
                j -> j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 2.0}")));
        assertRejected("truncate", TinyConfigs.deepseekV2(),
                j -> j.getAsJsonObject("rope_scaling").addProperty("truncate", false));
        assertRejected("attention_bias", TinyConfigs.deepseekV2Lite(), j -> j.addProperty("attention_bias", true));
        assertRejected("q_lora_rank", TinyConfigs.deepseekV2Lite(), j -> j.remove("q_lora_rank"));
        assertRejected("routed_scaling_factor", TinyConfigs.deepseekMoe(), j -> j.addProperty("routed_scaling_factor", 2));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Pair (2i, 2i+1) as a complex number times magnitude·e^{i·pos·invFreq[i]}. */
    private static double[] rotatePairs(double[] x, int pos, ReferenceConfig.Mla m) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length / 2; i++) {
            double cos = m.ropeMagnitude() * Math.cos(pos * m.invFreq()[i]);
            double sin = m.ropeMagnitude() * Math.sin(pos * m.invFreq()[i]);
            y[2 * i] = x[2 * i] * cos - x[2 * i + 1] * sin;
            y[2 * i + 1] = x[2 * i + 1] * cos + x[2 * i] * sin;
        }
        return y;
    }

    private static double[] rotateHalvesWithoutReordering(double[] x, int pos, ReferenceConfig.Mla m) {
        double[] y = x.clone();
        ReferenceMath.rope(y, 0, pos, m.invFreq(), m.ropeMagnitude());
        return y;
    }

    // ---- rejected configs and checkpoints ----

    @Test
    void unsupportedConfigValuesAndKeysThrowNamingThem() {
        assertRejected("rope_scaling", TinyConfigs.mixtral(),
                j -> j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 2.0}")));
        assertRejected("rope_parameters", TinyConfigs.qwen3Moe(),
                j -> j.add("rope_parameters", json("{\"rope_type\": \"yarn\", \"factor\": 4.0}")));
        assertRejected("hidden_act", TinyConfigs.olmoe(), j -> j.addProperty("hidden_act", "gelu"));
        assertRejected("foo_bar", TinyConfigs.qwen2Moe(), j -> j.addProperty("foo_bar", 1));
        assertRejected("use_sliding_window", TinyConfigs.mixtral(), j -> j.addProperty("use_sliding_window", true));
        assertRejected("clip_qkv", TinyConfigs.qwen3Moe(), j -> j.addProperty("clip_qkv", 1.0));
        assertRejected("head_dim", TinyConfigs.olmoe(), j -> j.addProperty("head_dim", 16));
        assertRejected("rms_norm_eps", TinyConfigs.qwen3Moe(), j -> j.remove("rms_norm_eps"));
        assertRejected("num_key_value_heads", TinyConfigs.qwen2Moe(), j -> j.remove("num_key_value_heads"));
        assertRejected("model_type", TinyConfigs.mixtral(), j -> j.addProperty("model_type", "deepseek_v3"));
        assertRejected("MixtralForSequenceClassification", TinyConfigs.mixtral(),
                j -> j.add("architectures", strings("MixtralForSequenceClassification")));
        assertRejected("use_sliding_window", TinyConfigs.qwen2Moe(), j -> j.add("layer_types", strings(
                "sliding_attention", "full_attention", "full_attention", "full_attention")));
    }

    @Test
    void defaultRopeSpelledOtherwiseIsAccepted() {
        JsonObject plain = TinyConfigs.qwen3Moe();
        JsonObject v5 = with(plain, j -> {
            j.remove("rope_theta");
            j.add("rope_parameters", json("{\"rope_type\": \"default\", \"rope_theta\": 10000.0}"));
        });
        JsonObject v4 = with(plain, j -> j.add("rope_scaling", json("{\"rope_type\": \"default\"}")));
        Map<String, float[]> w = ReferenceWeights.random(plain, SEED);
        long[] ids = ids(plain, 6, 14);
        assertClose(ReferenceForward.logits(plain, w, ids), ReferenceForward.logits(v5, w, ids), 0);
        assertClose(ReferenceForward.logits(plain, w, ids), ReferenceForward.logits(v4, w, ids), 0);
    }

    @Test
    void missingExtraOrMisSizedTensorsThrow() {
        JsonObject config = TinyConfigs.qwen2Moe();
        Map<String, float[]> w = ReferenceWeights.random(config, SEED);
        long[] ids = ids(config, 4, 15);

        Map<String, float[]> missing = new LinkedHashMap<>(w);
        missing.remove("model.layers.1.mlp.shared_expert_gate.weight");
        assertThrowsMentioning("shared_expert_gate", () -> ReferenceForward.logits(config, missing, ids));

        Map<String, float[]> extra = new LinkedHashMap<>(w);
        extra.put("model.layers.0.self_attn.o_proj.bias", new float[32]);
        assertThrowsMentioning("o_proj.bias", () -> ReferenceForward.logits(config, extra, ids));

        Map<String, float[]> wrong = new LinkedHashMap<>(w);
        wrong.put("model.layers.0.mlp.up_proj.weight", new float[16 * 32]);
        assertThrowsMentioning("up_proj", () -> ReferenceForward.logits(config, wrong, ids));

        JsonObject noBias = with(config, j -> j.addProperty("qkv_bias", false));
        assertThrowsMentioning("q_proj.bias", () -> ReferenceForward.logits(noBias, w, ids));
        assertThrowsMentioning("outside vocabulary",
                () -> ReferenceForward.logits(config, w, new long[] {0, 112}));
    }

    // ---- helpers ----

    private static void assertRejected(String mention, JsonObject base, Consumer<JsonObject> edit) {
        JsonObject config = with(base, edit);
        Map<String, float[]> w = ReferenceWeights.random(base, SEED);
        assertThrowsMentioning(mention, () -> ReferenceForward.logits(config, w, new long[] {1, 2}));
    }

    private static void assertThrowsMentioning(String mention, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(mention), "message \"" + e.getMessage() + "\" should name " + mention);
    }

    private static void assertShape(Map<String, int[]> shapes, String name, int... shape) {
        assertTrue(shapes.containsKey(name), "missing " + name);
        assertArrayEquals(shape, shapes.get(name), name);
    }

    private static void assertClose(double[][] expected, double[][] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], tol, "position " + i);
        }
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static long[] ids(JsonObject config, int n, long seed) {
        Random r = new Random(seed);
        int vocab = config.get("vocab_size").getAsInt();
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    private static int[] windows(ReferenceConfig c) {
        int[] w = new int[c.layers];
        for (int l = 0; l < c.layers; l++) {
            w[l] = c.slidingWindow(l);
        }
        return w;
    }

    /** Rows of head blocks (each {@code block} floats) in the given order of source heads. */
    private static float[] headRows(float[] src, int block, int... heads) {
        float[] out = new float[heads.length * block];
        for (int i = 0; i < heads.length; i++) {
            System.arraycopy(src, heads[i] * block, out, i * block, block);
        }
        return out;
    }

    /** Scales the rows of query head 0 (the first {@code block} floats) of every q_proj by 3. */
    private static Map<String, float[]> scaleHead0OfQ(Map<String, float[]> w, int block) {
        Map<String, float[]> out = new HashMap<>(w);
        w.forEach((name, data) -> {
            if (name.endsWith("self_attn.q_proj.weight")) {
                out.put(name, scale(data, 0, block, 3));
            }
        });
        return out;
    }

    private static float[] scale(float[] data, int from, int to, float factor) {
        float[] out = data.clone();
        for (int i = from; i < to; i++) {
            out[i] *= factor;
        }
        return out;
    }

    private static JsonObject with(JsonObject base, Consumer<JsonObject> edit) {
        JsonObject copy = base.deepCopy();
        edit.accept(copy);
        return copy;
    }

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static JsonArray strings(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(new JsonPrimitive(v));
        }
        return a;
    }

    private static float[] f(double... values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    private static double[] norm(double[] x, double[] w, double eps) {
        double ms = 0;
        for (double v : x) {
            ms += v * v / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = w[i] * x[i] / Math.sqrt(ms + eps);
        }
        return y;
    }

    private static double[] matVec(double[][] m, double[] x) {
        double[] y = new double[m.length];
        for (int r = 0; r < m.length; r++) {
            for (int c = 0; c < x.length; c++) {
                y[r] += m[r][c] * x[c];
            }
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = a.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] += b[i];
        }
        return y;
    }

    private static float[] flat(double[][] m) {
        return f(Arrays.stream(m).flatMapToDouble(Arrays::stream).toArray());
    }

    /** RMSNorm of a 2-vector with weights (w0, w1). */
    private static double[] norm2(double[] x, double w0, double w1, double eps) {
        double r = Math.sqrt((x[0] * x[0] + x[1] * x[1]) / 2 + eps);
        return new double[] {w0 * x[0] / r, w1 * x[1] / r};
    }

    /** [[a, b], [c, d]] · x. */
    private static double[] mul2(double a, double b, double c, double d, double[] x) {
        return new double[] {a * x[0] + b * x[1], c * x[0] + d * x[1]};
    }
}
