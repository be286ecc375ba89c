package org.dualsparse.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.nn.FeedForward;
import org.dualsparse.nn.Layers;
import org.dualsparse.nn.MatrixBlock;
import org.dualsparse.nn.RmsNorm;
import org.dualsparse.nn.RotaryEmbedding;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.nn.WeightSource;

/**
 * A decoder-only language model: token embedding, decoder layers, final norm, LM head.
 *
 * <p>Input: a {@link TokenBatch} on the host through {@link #forward(ParameterStore, NDManager,
 * TokenBatch, KvCache, boolean, boolean)}, or, through DJL's {@code forward}, {@code [ids (B,
 * S)]} or {@code [ids, positionIds (B, S), attentionMask (B, past + S)]}, all int64. Output:
 * {@code [logits (B, S, V)]}, or {@code (B, 1, V)} with {@link #LAST_POSITION_ONLY}. A {@link KvCache} passed under {@link #KV_CACHE} is read and extended.
 * With {@link #ROUTER_LOSS} a second output holds the mean load-balancing loss of the MoE layers
 * (a scalar; 0 for a model without MoE layers). The blocks have no train-only behaviour (no
 * dropout), so training runs them with DJL's {@code training} flag off, inside a gradient
 * collector; their weights are loaded at construction and need no DJL initialisation.
 */
public final class CausalLmBlock extends MatrixBlock {

    /** Block parameter key for a {@link KvCache}. */
    public static final String KV_CACHE = "kv_cache";

    /** Block parameter key: {@code Boolean.TRUE} computes logits for the last position only. */
    public static final String LAST_POSITION_ONLY = "last_position_only";

    /** Block parameter key: {@code Boolean.TRUE} also outputs the MoE load-balancing loss. */
    public static final String ROUTER_LOSS = "router_loss";

    private final DecoderConfig config;
    private final RotaryEmbedding rotary;
    private final Parameter embedding;
    private final List<DecoderLayer> layers;
    private final RmsNorm finalNorm;
    private final WeightMatrix lmHead;

    /** Loads {@code model.embed_tokens}, {@code model.norm} and {@code lm_head} (or ties it to the embedding). */
    public CausalLmBlock(DecoderConfig config, RotaryEmbedding rotary, List<DecoderLayer> layers, WeightSource w) {
        this.config = config;
        this.rotary = rotary;
        long vocab = config.vocabSize();
        long hidden = config.hiddenSize();
        embedding = addParameter(Layers.parameter("embed_tokens", w.load("model.embed_tokens.weight", vocab, hidden)));
        this.layers = List.copyOf(layers);
        for (int i = 0; i < layers.size(); i++) {
            addChildBlock("layer" + i, layers.get(i));
        }
        finalNorm = addChildBlock("norm", new RmsNorm(w.load("model.norm.weight", hidden), config.rmsNormEps()));
        lmHead = config.tieWordEmbeddings()
                ? w.backend().matrix(embedding.getArray())
                : matrix(w.backend(), "lm_head", w.load("lm_head.weight", vocab, hidden));
    }

    /** How a family builds the feed-forward block of layer {@code layer}, from tensors under {@code prefix}. */
    @FunctionalInterface
    public interface FeedForwardFactory {
        FeedForward build(int layer, String prefix);
    }

    /** How a family builds the self-attention block of layer {@code layer}, from tensors under {@code prefix}. */
    @FunctionalInterface
    public interface AttentionFactory {
        SelfAttention build(int layer, String prefix);
    }

    /**
     * Builds the standard HF layout: {@code model.layers.<i>.self_attn.*} attention from {@code
     * attention}, {@code model.layers.<i>.mlp.*} feed-forward from {@code feedForward}, rotate-half
     * RoPE over the whole head.
     */
    public static CausalLmBlock load(
            DecoderConfig config, WeightSource w, IntFunction<Attention.Spec> attention, FeedForwardFactory feedForward) {
        return load(
                config,
                RotaryEmbedding.standard(config.headDim(), config.ropeTheta()),
                w,
                (layer, prefix) -> new Attention(attention.apply(layer), w, prefix),
                feedForward);
    }

    /**
     * Builds the HF layout with any attention block: layer {@code i}'s attention from the tensors
     * under {@code model.layers.<i>.self_attn.}, its feed-forward from those under {@code
     * model.layers.<i>.} (the factory appends its module name), positions rotated by {@code rotary}.
     */
    public static CausalLmBlock load(
            DecoderConfig config,
            RotaryEmbedding rotary,
            WeightSource w,
            AttentionFactory attention,
            FeedForwardFactory feedForward) {
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String prefix = layerPrefix(i);
            SelfAttention attn = attention.build(i, prefix + "self_attn.");
            FeedForward ffn = feedForward.build(i, prefix);
            layers.add(new DecoderLayer(attn, ffn, w, prefix, config.hiddenSize(), config.rmsNormEps()));
        }
        return new CausalLmBlock(config, rotary, layers, w);
    }

    /** The prefix of every tensor of decoder layer {@code layer}: {@code model.layers.<layer>.}. */
    public static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    public DecoderConfig config() {
        return config;
    }

    /** The manager that owns the model's weights (the one its embedding lives in). */
    public NDManager weightManager() {
        return embedding.getArray().getManager();
    }

    public List<DecoderLayer> layers() {
        return layers;
    }

    /**
     * What a forward step computed.
     *
     * @param logits {@code [B, S, V]}, or {@code [B, 1, V]} for the last position only
     * @param routerLoss the mean load-balancing loss of the MoE layers (0 without any), or null when not asked
     */
    public record Output(NDArray logits, NDArray routerLoss) {}

    /**
     * Runs one step of {@code tokens} after whatever {@code cache} holds (null for none), extending
     * the cache. The tokens are checked on the host and go to the device once; nothing comes back.
     *
     * @param step the manager of the step's arrays
     * @param lastPositionOnly compute logits for the last position only
     * @param routerLoss also return the MoE layers' mean load-balancing loss
     */
    public Output forward(
            ParameterStore ps, NDManager step, TokenBatch tokens, KvCache cache, boolean lastPositionOnly, boolean routerLoss) {
        checkIds(tokens.ids());
        checkPositions(tokens.positions());
        NDArray ids = step.create(tokens.ids());
        NDList cosSin = rotary.cosSin(step.create(tokens.positions()));
        AttentionInputs shared = new AttentionInputs(
                cosSin.get(0), cosSin.get(1), AttentionMasks.of(tokens.keyMask(), tokens.steps(), step), null);

        NDArray h = Embedding.embedding(ids, ps.getValue(embedding, ids.getDevice(), false), SparseFormat.DENSE).head();
        List<NDArray> routerLosses = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            AttentionInputs in = shared.withCache(cache == null ? null : cache.layer(i));
            FeedForward.Output out = layers.get(i).apply(ps, h, in, routerLoss);
            h = out.hidden();
            if (out.routerLoss() != null) {
                routerLosses.add(out.routerLoss());
            }
        }
        if (lastPositionOnly) {
            h = h.get(new NDIndex(":, -1:, :"));
        }
        h = finalNorm.apply(ps, h);
        NDArray logits = lmHead.linear(h);
        if (!routerLoss) {
            return new Output(logits, null);
        }
        return new Output(logits, routerLosses.isEmpty() ? step.zeros(new Shape()) : mean(routerLosses));
    }

    /** The DJL entry point: reads the int64 inputs to the host once, then runs {@link #forward(ParameterStore, NDManager, TokenBatch, KvCache, boolean, boolean)}. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        long[][] idRows = rows(ids);
        TokenBatch tokens = inputs.size() > 1
                ? new TokenBatch(idRows, rows(inputs.get(1)), inputs.size() > 2 ? rows(inputs.get(2)) : ones(idRows.length, idRows[0].length))
                : TokenBatch.unpadded(idRows);
        KvCache cache = params == null ? null : (KvCache) params.get(KV_CACHE);
        boolean lastOnly = params != null && Boolean.TRUE.equals(params.get(LAST_POSITION_ONLY));
        boolean routerLoss = params != null && Boolean.TRUE.equals(params.get(ROUTER_LOSS));
        Output out = forward(ps, ids.getManager(), tokens, cache, lastOnly, routerLoss);
        return routerLoss ? new NDList(out.logits(), out.routerLoss()) : new NDList(out.logits());
    }

    /** The mean of the MoE layers' load-balancing losses, summed in layer order. */
    private static NDArray mean(List<NDArray> losses) {
        NDArray sum = losses.get(0);
        for (int i = 1; i < losses.size(); i++) {
            sum = sum.add(losses.get(i));
        }
        return Scalars.div(sum, losses.size());
    }

    private void checkIds(long[][] ids) {
        for (long[] row : ids) {
            for (long id : row) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new InvalidInputException(
                            "token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
            }
        }
    }

    private void checkPositions(long[][] positions) {
        for (long[] row : positions) {
            for (long p : row) {
                if (p >= config.maxPositions()) {
                    throw new InvalidInputException(
                            "position " + p + " exceeds max_position_embeddings = " + config.maxPositions());
                }
            }
        }
    }

    /** The rows of a {@code [B, L]} array of integers, read to the host. */
    private static long[][] rows(NDArray array) {
        if (array.getShape().dimension() != 2) {
            throw new InvalidInputException("expected a [batch, length] array, got " + array.getShape());
        }
        int batch = Math.toIntExact(array.getShape().get(0));
        int length = Math.toIntExact(array.getShape().get(1));
        long[] flat = array.toType(DataType.INT64, false).toLongArray();
        long[][] out = new long[batch][length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(flat, b * length, out[b], 0, length);
        }
        return out;
    }

    /** An attention mask with no padding. */
    public static long[][] ones(int batch, int length) {
        long[][] out = new long[batch][length];
        for (long[] row : out) {
            Arrays.fill(row, 1);
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.vocabSize())};
    }
}
