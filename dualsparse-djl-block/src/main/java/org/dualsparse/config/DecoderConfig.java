package org.dualsparse.config;

/**
 * The dimensions every decoder family shares, read with HF's key names and defaults.
 *
 * @param headDim {@code head_dim} when the config sets it (Qwen3-MoE), else hidden / heads
 */
public record DecoderConfig(
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings) {

    /** Parses a config without rope scaling: {@code rope_scaling}, or a scaled {@code rope_parameters}, is refused. */
    public static DecoderConfig parse(HfConfig c, double defaultRmsEps, double defaultRopeTheta) {
        if (c.has("rope_scaling")) {
            throw c.unsupported("rope_scaling", "this family is implemented without rope scaling");
        }
        return parse(c, defaultRmsEps, defaultRopeTheta, false);
    }

    /**
     * Parses a config whose family reads its rope scaling itself (see {@link YarnScaling}):
     * {@code rope_scaling} and a scaled {@code rope_parameters} are left to the caller.
     */
    public static DecoderConfig parseWithRopeScaling(HfConfig c, double defaultRmsEps, double defaultRopeTheta) {
        return parse(c, defaultRmsEps, defaultRopeTheta, true);
    }

    private static DecoderConfig parse(HfConfig c, double defaultRmsEps, double defaultRopeTheta, boolean scaledRope) {
        int hidden = c.requirePositiveInt("hidden_size");
        int heads = c.requirePositiveInt("num_attention_heads");
        int kvHeads = c.intOr("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new ConfigException(
                    c.source() + ": num_attention_heads = " + heads
                            + " is not a multiple of num_key_value_heads = " + kvHeads);
        }
        int headDim = c.has("head_dim") ? c.requirePositiveInt("head_dim") : hidden / heads;
        if (!c.has("head_dim") && hidden % heads != 0) {
            throw new ConfigException(
                    c.source() + ": hidden_size = " + hidden + " is not divisible by num_attention_heads = " + heads);
        }
        if (headDim % 2 != 0) {
            throw new ConfigException(c.source() + ": head dim " + headDim + " must be even for RoPE");
        }
        if (c.has("sliding_window") && c.intOr("sliding_window", 0) < 0) {
            throw c.invalid("sliding_window", "a non-negative window");
        }
        String act = c.stringOr("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw c.unsupported("hidden_act", "only silu experts are implemented");
        }
        return new DecoderConfig(
                hidden,
                c.requirePositiveInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                c.requirePositiveInt("vocab_size"),
                c.intOr("max_position_embeddings", 4096),
                c.doubleOr("rms_norm_eps", defaultRmsEps),
                ropeTheta(c, defaultRopeTheta, scaledRope),
                c.boolOr("tie_word_embeddings", false));
    }

    /**
     * {@code rope_theta}, or in transformers v5 configs {@code rope_parameters.rope_theta} (default
     * rope only, unless the family reads the scaling itself).
     */
    private static double ropeTheta(HfConfig c, double fallback, boolean scaledRope) {
        if (!c.has("rope_parameters")) {
            return c.doubleOr("rope_theta", fallback);
        }
        HfConfig rope = c.object("rope_parameters");
        String type = rope.stringOr("rope_type", "default");
        if (!type.equals("default") && !scaledRope) {
            throw rope.unsupported("rope_type", "only default RoPE is implemented for this family");
        }
        return rope.doubleOr("rope_theta", c.doubleOr("rope_theta", fallback));
    }
}
