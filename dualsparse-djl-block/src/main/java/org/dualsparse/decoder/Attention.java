package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.nn.Layers;
import org.dualsparse.nn.MatrixBlock;
import org.dualsparse.nn.RmsNorm;
import org.dualsparse.nn.RotaryEmbedding;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.nn.WeightSource;

/**
 * Multi-head self-attention with grouped KV heads, rotary positions and the optional pieces the
 * MoE families switch on: q/k/v (and o) biases, q/k RMSNorm over the whole projection (OLMoE) or
 * per head (Qwen3-MoE), q/k/v clipping and a sliding window.
 */
public final class Attention extends MatrixBlock implements SelfAttention {

    /** Where a q/k RMSNorm sits, if any. */
    public enum QkNorm {
        NONE,
        /** One norm over the whole {@code [H·hd]} projection, before splitting heads (OLMoE). */
        WHOLE_PROJECTION,
        /** One {@code [hd]} norm applied to every head (Qwen3-MoE). */
        PER_HEAD
    }

    /**
     * The shape of one attention layer.
     *
     * @param clipQkv clamp q, k and v to ±clipQkv after projection; NaN for none
     * @param slidingWindow keys at most this many slots back are visible; 0 for none
     */
    public record Spec(
            int hiddenSize,
            int numHeads,
            int numKvHeads,
            int headDim,
            boolean qkvBias,
            boolean outputBias,
            QkNorm qkNorm,
            double rmsNormEps,
            float clipQkv,
            int slidingWindow) {

        /** Plain attention: no biases, no q/k norm, no clipping, no window. */
        public static Spec of(DecoderConfig d) {
            return new Spec(d.hiddenSize(), d.numHeads(), d.numKvHeads(), d.headDim(),
                    false, false, QkNorm.NONE, d.rmsNormEps(), Float.NaN, 0);
        }

        public Spec withBias(boolean qkv, boolean output) {
            return new Spec(hiddenSize, numHeads, numKvHeads, headDim, qkv, output, qkNorm, rmsNormEps, clipQkv, slidingWindow);
        }

        public Spec withQkNorm(QkNorm norm) {
            return new Spec(hiddenSize, numHeads, numKvHeads, headDim, qkvBias, outputBias, norm, rmsNormEps, clipQkv, slidingWindow);
        }

        public Spec withClipQkv(float clip) {
            return new Spec(hiddenSize, numHeads, numKvHeads, headDim, qkvBias, outputBias, qkNorm, rmsNormEps, clip, slidingWindow);
        }

        public Spec withSlidingWindow(int window) {
            return new Spec(hiddenSize, numHeads, numKvHeads, headDim, qkvBias, outputBias, qkNorm, rmsNormEps, clipQkv, window);
        }
    }

    private final Spec spec;
    private final WeightMatrix q;
    private final WeightMatrix k;
    private final WeightMatrix v;
    private final WeightMatrix o;
    private final Parameter qBias;
    private final Parameter kBias;
    private final Parameter vBias;
    private final Parameter oBias;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;
    private final float scale;

    /** Loads {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj} (and norms) under {@code prefix}. */
    public Attention(Spec spec, WeightSource w, String prefix) {
        this.spec = spec;
        int d = spec.hiddenSize();
        long qDim = (long) spec.numHeads() * spec.headDim();
        long kvDim = (long) spec.numKvHeads() * spec.headDim();
        q = matrix(w.backend(), "q_proj", w.load(prefix + "q_proj.weight", qDim, d));
        k = matrix(w.backend(), "k_proj", w.load(prefix + "k_proj.weight", kvDim, d));
        v = matrix(w.backend(), "v_proj", w.load(prefix + "v_proj.weight", kvDim, d));
        o = matrix(w.backend(), "o_proj", w.load(prefix + "o_proj.weight", d, qDim));
        qBias = spec.qkvBias() ? addParameter(Layers.parameter("q_bias", w.load(prefix + "q_proj.bias", qDim))) : null;
        kBias = spec.qkvBias() ? addParameter(Layers.parameter("k_bias", w.load(prefix + "k_proj.bias", kvDim))) : null;
        vBias = spec.qkvBias() ? addParameter(Layers.parameter("v_bias", w.load(prefix + "v_proj.bias", kvDim))) : null;
        oBias = spec.outputBias() ? addParameter(Layers.parameter("o_bias", w.load(prefix + "o_proj.bias", d))) : null;
        long qNormDim = spec.qkNorm() == QkNorm.PER_HEAD ? spec.headDim() : qDim;
        long kNormDim = spec.qkNorm() == QkNorm.PER_HEAD ? spec.headDim() : kvDim;
        if (spec.qkNorm() == QkNorm.NONE) {
            qNorm = null;
            kNorm = null;
        } else {
            qNorm = addChildBlock("q_norm", new RmsNorm(w.load(prefix + "q_norm.weight", qNormDim), spec.rmsNormEps()));
            kNorm = addChildBlock("k_norm", new RmsNorm(w.load(prefix + "k_norm.weight", kNormDim), spec.rmsNormEps()));
        }
        scale = (float) (1.0 / Math.sqrt(spec.headDim()));
    }

    public Spec spec() {
        return spec;
    }

    @Override
    public NDArray attend(ParameterStore ps, NDArray x, AttentionInputs in) {
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);

        NDArray query = project(ps, x, q, qBias, qNorm);
        NDArray key = project(ps, x, k, kBias, kNorm);
        NDArray value = project(ps, x, v, vBias, null);
        if (!Float.isNaN(spec.clipQkv())) {
            query = query.clip(-spec.clipQkv(), spec.clipQkv());
            key = key.clip(-spec.clipQkv(), spec.clipQkv());
            value = value.clip(-spec.clipQkv(), spec.clipQkv());
        }
        query = heads(ps, query, batch, steps, spec.numHeads(), qNorm);
        key = heads(ps, key, batch, steps, spec.numKvHeads(), kNorm);
        value = heads(ps, value, batch, steps, spec.numKvHeads(), null);
        query = RotaryEmbedding.apply(query, in.cos(), in.sin());
        key = RotaryEmbedding.apply(key, in.cos(), in.sin());

        if (in.cache() != null) {
            key = in.cache().append(KvCache.Slot.KEY, key);
            value = in.cache().append(KvCache.Slot.VALUE, value);
        }
        key = repeatKvHeads(key);
        value = repeatKvHeads(value);

        NDArray scores = Scalars.mul(query.matMul(key.transpose(0, 1, 3, 2)), scale).add(in.mask(spec.slidingWindow()));
        NDArray context = scores.softmax(-1).matMul(value)
                .transpose(0, 2, 1, 3)
                .reshape(batch, steps, (long) spec.numHeads() * spec.headDim());
        return project(ps, context, o, oBias);
    }

    /** Runs on its own: inputs {@code [x, cos, sin, additive mask]}, see {@link AttentionInputs#of}. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(attend(ps, inputs.get(0), AttentionInputs.of(inputs)));
    }

    private NDArray project(ParameterStore ps, NDArray x, WeightMatrix weight, Parameter bias, RmsNorm norm) {
        NDArray out = project(ps, x, weight, bias);
        return norm != null && spec.qkNorm() == QkNorm.WHOLE_PROJECTION ? norm.apply(ps, out) : out;
    }

    private static NDArray project(ParameterStore ps, NDArray x, WeightMatrix weight, Parameter bias) {
        return bias == null ? weight.linear(x) : weight.linear(x, ps.getValue(bias, x.getDevice(), false));
    }

    /** {@code [B, S, n·hd]} → {@code [B, n, S, hd]}, applying a per-head norm where configured. */
    private NDArray heads(ParameterStore ps, NDArray x, long batch, long steps, int n, RmsNorm norm) {
        NDArray split = x.reshape(batch, steps, n, spec.headDim());
        if (norm != null && spec.qkNorm() == QkNorm.PER_HEAD) {
            split = norm.apply(ps, split);
        }
        return split.transpose(0, 2, 1, 3);
    }

    /** KV head {@code g} serves query heads {@code g·r … g·r + r − 1}. */
    private NDArray repeatKvHeads(NDArray x) {
        int r = spec.numHeads() / spec.numKvHeads();
        if (r == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2)
                .broadcast(s.get(0), s.get(1), r, s.get(2), s.get(3))
                .reshape(s.get(0), (long) spec.numHeads(), s.get(2), s.get(3));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
