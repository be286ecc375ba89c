package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.MatrixBlock;
import org.dualsparse.nn.RmsNorm;
import org.dualsparse.nn.RotaryEmbedding;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.nn.WeightSource;

/**
 * DeepSeek-V2's multi-head latent attention (MLA). Every token is compressed to one latent
 * {@code c = RMSNorm(x·W_kv_aᵀ)} of width r ({@code kv_lora_rank}), which {@code kv_b_proj}
 * expands into each head's position-free key (width n, {@code qk_nope_head_dim}) and value
 * (width v); the positional part of the key is a single rotary head of width ρ ({@code
 * qk_rope_head_dim}) projected from x alongside the latent and shared by all heads. Queries
 * come from {@code q_proj}, or through the low-rank {@code q_a_proj} → RMSNorm → {@code
 * q_b_proj}; each head splits into an n-wide and a ρ-wide rotary part. A head scores {@code
 * q_nope·k_nope + q_rope·k_rope}, times {@link Spec#softmaxScale()}.
 *
 * <p><b>KV cache.</b> The layer caches the normalised latents {@code [B, T, r]} ({@link
 * KvCache.Slot#LATENT}) and the rotated rope keys {@code [B, 1, T, ρ]} ({@link KvCache.Slot#ROTARY_KEY}): r + ρ floats per token (576 in V2-Lite), against
 * H·(n + ρ + v) = 5120 for expanded keys and values, a ninth of the memory, so long contexts
 * and large batches fit. What the latent cache costs in compute, re-expanding every cached token
 * at every step, is avoided by attending in latent space while decoding (below).
 *
 * <p><b>Two ways to attend.</b> Expanding: {@code kv_b_proj} turns all T cached latents into
 * per-head keys and values, then ordinary attention. In latent space: since {@code k_nope =
 * W_uk·c} with W_uk the head's n key rows of {@code kv_b_proj}, {@code q_nope·k_nope = (q_nope·W_uk)·c},
 * so the query is folded into r-wide latent space and scores the cached latents directly; the
 * head's value rows are applied once, to the attention-weighted latent. The two are equal by
 * associativity; {@link Spec#attendsInLatentSpace} picks the one with fewer multiply-adds per
 * step, which is the latent one for decoding and the expanding one for a prompt.
 *
 * <p><b>RoPE layout.</b> The remote code reorders {@code q_pe} and {@code k_pe} from interleaved
 * pairs {@code (2i, 2i+1)} to halves {@code [x0, x2, …, x1, x3, …]} and then applies rotate-half
 * RoPE. Reordering the outputs of a projection is reordering its weight rows, so that
 * permutation is applied to the rotary rows of {@code q_proj} / {@code q_b_proj} and {@code
 * kv_a_proj_with_mqa} once at load ({@link RotaryEmbedding#interleavedRowsAsHalves}); the rotary
 * parts then come out already reordered and the shared rotate-half code produces exactly the
 * remote code's q_pe and k_pe.
 */
public final class MultiHeadLatentAttention extends MatrixBlock implements SelfAttention {

    /** {@code q_a_layernorm} and {@code kv_a_layernorm} are built without {@code rms_norm_eps}, so with the class default. */
    private static final double LATENT_NORM_EPS = 1e-6;

    /**
     * The shape of every attention layer of a model.
     *
     * @param queryLoraRank {@code q_lora_rank}, 0 for a plain {@code q_proj}
     * @param softmaxScale {@code (n + ρ)^-½}, times YaRN's logit correction
     */
    public record Spec(
            int hiddenSize,
            int numHeads,
            int queryLoraRank,
            int kvLoraRank,
            int nopeHeadDim,
            int ropeHeadDim,
            int valueHeadDim,
            double softmaxScale) {

        public int queryHeadDim() {
            return nopeHeadDim + ropeHeadDim;
        }

        /**
         * Whether attending in latent space takes fewer multiply-adds than expanding the latents.
         * Per head, with S new tokens and T cached ones (the rotary part costs the same either way):
         * latent space {@code S·r·(n + v)} to fold {@code kv_b_proj} into queries and outputs plus
         * {@code 2·S·T·r} to score and mix the latents; expanding {@code T·r·(n + v)} for {@code
         * kv_b_proj} plus {@code S·T·(n + v)}.
         */
        public boolean attendsInLatentSpace(long newTokens, long totalTokens) {
            long r = kvLoraRank;
            long nv = nopeHeadDim + valueHeadDim;
            long latent = newTokens * r * nv + 2 * newTokens * totalTokens * r;
            long expanded = totalTokens * r * nv + newTokens * totalTokens * nv;
            return latent < expanded;
        }
    }

    private final Spec spec;
    private final WeightMatrix queryDown;
    private final RmsNorm queryNorm;
    private final WeightMatrix query;
    private final WeightMatrix kvDown;
    private final RmsNorm kvNorm;
    private final WeightMatrix kvUp;
    private final NDArray keyUp;
    private final NDArray valueUpTransposed;
    private final WeightMatrix output;

    /**
     * Loads {@code q_proj} (or {@code q_a_proj}, {@code q_a_layernorm}, {@code q_b_proj}), {@code
     * kv_a_proj_with_mqa}, {@code kv_a_layernorm}, {@code kv_b_proj} and {@code o_proj} under
     * {@code prefix}.
     */
    public MultiHeadLatentAttention(Spec spec, WeightSource w, String prefix) {
        this.spec = spec;
        int heads = spec.numHeads();
        int r = spec.kvLoraRank();
        int n = spec.nopeHeadDim();
        int rho = spec.ropeHeadDim();
        boolean lowRankQuery = spec.queryLoraRank() > 0;
        queryDown = lowRankQuery
                ? matrix(w.backend(), "q_a_proj", w.load(prefix + "q_a_proj.weight", spec.queryLoraRank(), spec.hiddenSize()))
                : null;
        queryNorm = lowRankQuery
                ? addChildBlock("q_a_layernorm", new RmsNorm(
                        w.load(prefix + "q_a_layernorm.weight", spec.queryLoraRank()), LATENT_NORM_EPS))
                : null;
        String queryName = lowRankQuery ? "q_b_proj" : "q_proj";
        NDArray queryWeight = w.load(prefix + queryName + ".weight",
                (long) heads * spec.queryHeadDim(), lowRankQuery ? spec.queryLoraRank() : spec.hiddenSize());
        query = matrix(w.backend(), queryName, RotaryEmbedding.interleavedRowsAsHalves(queryWeight, spec.queryHeadDim(), n, rho));
        kvDown = matrix(w.backend(), "kv_a_proj_with_mqa", RotaryEmbedding.interleavedRowsAsHalves(
                w.load(prefix + "kv_a_proj_with_mqa.weight", r + rho, spec.hiddenSize()), r + rho, r, rho));
        kvNorm = addChildBlock("kv_a_layernorm", new RmsNorm(w.load(prefix + "kv_a_layernorm.weight", r), LATENT_NORM_EPS));
        NDArray kvUpWeight = w.load(prefix + "kv_b_proj.weight", (long) heads * (n + spec.valueHeadDim()), r);
        // Its per-head views below read the array itself, so it stays a libtorch parameter whatever the backend.
        kvUp = matrix(TorchMatrices.BACKEND, "kv_b_proj", kvUpWeight);
        NDArray perHead = kvUpWeight.reshape(heads, n + spec.valueHeadDim(), r);
        keyUp = perHead.get(new NDIndex(":, :{}, :", n));
        valueUpTransposed = perHead.get(new NDIndex(":, {}:, :", n)).transpose(0, 2, 1);
        output = matrix(w.backend(), "o_proj", w.load(prefix + "o_proj.weight", spec.hiddenSize(), (long) heads * spec.valueHeadDim()));
    }

    public Spec spec() {
        return spec;
    }

    @Override
    public NDArray attend(ParameterStore ps, NDArray x, AttentionInputs in) {
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);
        int n = spec.nopeHeadDim();
        int r = spec.kvLoraRank();

        NDArray queries = queries(ps, x).reshape(batch, steps, spec.numHeads(), spec.queryHeadDim()).transpose(0, 2, 1, 3);
        NDArray queryNope = queries.get(new NDIndex("..., :{}", n));
        NDArray queryRope = RotaryEmbedding.apply(queries.get(new NDIndex("..., {}:", n)), in.cos(), in.sin());

        NDArray compressed = kvDown.linear(x);
        NDArray latent = kvNorm.apply(ps, compressed.get(new NDIndex("..., :{}", r)));
        NDArray keyRope = RotaryEmbedding.apply(
                compressed.get(new NDIndex("..., {}:", r)).expandDims(1), in.cos(), in.sin());
        if (in.cache() != null) {
            latent = in.cache().append(KvCache.Slot.LATENT, latent);
            keyRope = in.cache().append(KvCache.Slot.ROTARY_KEY, keyRope);
        }
        NDArray ropeScores = queryRope.matMul(keyRope.transpose(0, 1, 3, 2));
        NDArray mask = in.mask(0);
        NDArray context = spec.attendsInLatentSpace(steps, latent.getShape().get(1))
                ? attendInLatentSpace(queryNope, latent, ropeScores, mask)
                : attendExpanded(ps, queryNope, latent, ropeScores, mask);
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, steps, (long) spec.numHeads() * spec.valueHeadDim());
        return output.linear(merged);
    }

    /** Runs on its own: inputs {@code [x, cos, sin, additive mask]}, see {@link AttentionInputs#of}. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(attend(ps, inputs.get(0), AttentionInputs.of(inputs)));
    }

    /** {@code [B, S, H·(n + ρ)]}, rotary parts already in rotate-half order. */
    private NDArray queries(ParameterStore ps, NDArray x) {
        if (queryDown == null) {
            return query.linear(x);
        }
        return query.linear(queryNorm.apply(ps, queryDown.linear(x)));
    }

    /** Expands the latents {@code [B, T, r]} to per-head keys and values, then attends: {@code [B, H, S, v]}. */
    private NDArray attendExpanded(ParameterStore ps, NDArray queryNope, NDArray latent, NDArray ropeScores, NDArray mask) {
        Shape s = latent.getShape();
        NDArray keysValues = kvUp.linear(latent)
                .reshape(s.get(0), s.get(1), spec.numHeads(), spec.nopeHeadDim() + spec.valueHeadDim())
                .transpose(0, 2, 1, 3);
        NDArray keyNope = keysValues.get(new NDIndex("..., :{}", spec.nopeHeadDim()));
        NDArray values = keysValues.get(new NDIndex("..., {}:", spec.nopeHeadDim()));
        return probabilities(queryNope.matMul(keyNope.transpose(0, 1, 3, 2)), ropeScores, mask).matMul(values);
    }

    /** Scores and mixes the latents {@code [B, T, r]} directly, decoding values once at the end: {@code [B, H, S, v]}. */
    private NDArray attendInLatentSpace(NDArray queryNope, NDArray latent, NDArray ropeScores, NDArray mask) {
        NDArray latents = latent.expandDims(1);
        NDArray queryLatent = queryNope.matMul(keyUp);
        NDArray probs = probabilities(queryLatent.matMul(latents.transpose(0, 1, 3, 2)), ropeScores, mask);
        return probs.matMul(latents).matMul(valueUpTransposed);
    }

    private NDArray probabilities(NDArray nopeScores, NDArray ropeScores, NDArray mask) {
        return Scalars.mul(nopeScores.add(ropeScores), spec.softmaxScale()).add(mask).softmax(-1);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
