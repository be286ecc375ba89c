package org.dualsparse.config;

import java.util.Set;

/**
 * YaRN rope scaling as DeepSeek-V2 configures it: {@code rope_scaling} (hub spelling, {@code
 * "type": "yarn"}) or transformers v5's {@code rope_parameters} ({@code "rope_type": "yarn"}).
 * The hub's remote {@code DeepseekV2YarnRotaryEmbedding} and transformers' native YaRN differ
 * only in the cos/sin factor and in their defaults.
 *
 * @param factor the context extension factor {@code s}
 * @param originalMaxPositions the pretraining context the correction range is measured against
 * @param betaFast rotations at which a frequency keeps its pretrained value
 * @param betaSlow rotations below which a frequency is fully interpolated
 * @param mscale numerator of the remote code's cos/sin magnitude correction
 * @param mscaleAllDim denominator of that correction, and the magnitude whose square scales the
 *     attention logits; 0 for no logit scaling
 * @param cosSinScale what cos and sin are multiplied by
 */
public record YarnScaling(
        double factor, int originalMaxPositions, double betaFast, double betaSlow, double mscale, double mscaleAllDim,
        double cosSinScale) {

    private static final Set<String> KEYS = Set.of(
            "type", "rope_type", "factor", "original_max_position_embeddings",
            "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "rope_theta");

    /** transformers' native YaRN reads two more keys. */
    private static final Set<String> NATIVE_KEYS = Set.of("attention_factor", "truncate");

    /** The hub's remote code: cos and sin carry {@code magnitude(s, mscale) / magnitude(s, mscale_all_dim)}. */
    public YarnScaling(double factor, int originalMaxPositions, double betaFast, double betaSlow, double mscale,
            double mscaleAllDim) {
        this(factor, originalMaxPositions, betaFast, betaSlow, mscale, mscaleAllDim,
                magnitude(factor, mscale) / magnitude(factor, mscaleAllDim));
    }

    /** The YaRN settings of {@code c} as the hub's remote code reads them; see {@link #parse(HfConfig, boolean)}. */
    public static YarnScaling parse(HfConfig c) {
        return parse(c, false);
    }

    /**
     * The YaRN settings of {@code c}, or null when it configures no rope scaling. Any other
     * scaling type, or a YaRN key this class does not know, is refused.
     *
     * @param transformersNative read as transformers' native {@code _compute_yarn_parameters}
     *     does: cos/sin factor {@code attention_factor}, else {@code magnitude(s, mscale) /
     *     magnitude(s, mscale_all_dim)} only when both are set and non-zero, else {@code
     *     magnitude(s, 1)}; {@code factor} defaults to {@code max_position_embeddings /
     *     original_max_position_embeddings}, which is required; {@code truncate: false} is refused
     */
    public static YarnScaling parse(HfConfig c, boolean transformersNative) {
        String key = c.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
        if (!c.has(key)) {
            return null;
        }
        HfConfig rope = c.object(key);
        String typeKey = rope.has("type") ? "type" : "rope_type";
        String type = rope.stringOr(typeKey, "default");
        if (type.equals("default") && key.equals("rope_parameters")) {
            return null;
        }
        if (!type.equals("yarn")) {
            throw rope.unsupported(typeKey, "only YaRN rope scaling is implemented for this family");
        }
        for (String k : rope.json().keySet()) {
            if (!KEYS.contains(k) && !(transformersNative && NATIVE_KEYS.contains(k))) {
                throw rope.unsupported(k, "not a YaRN setting this library implements");
            }
        }
        return transformersNative ? parseNative(c, rope) : parseRemote(rope);
    }

    private static YarnScaling parseRemote(HfConfig rope) {
        return new YarnScaling(
                positiveFactor(rope, rope.requireDouble("factor")),
                rope.intOr("original_max_position_embeddings", 4096),
                rope.doubleOr("beta_fast", 32),
                rope.doubleOr("beta_slow", 1),
                rope.doubleOr("mscale", 1),
                rope.doubleOr("mscale_all_dim", 0));
    }

    private static YarnScaling parseNative(HfConfig c, HfConfig rope) {
        if (!rope.boolOr("truncate", true)) {
            throw rope.unsupported("truncate", "only the truncated (floor/ceil) correction range is implemented");
        }
        int original = rope.requirePositiveInt("original_max_position_embeddings");
        double factor = positiveFactor(rope, rope.has("factor")
                ? rope.requireDouble("factor")
                : (double) c.requirePositiveInt("max_position_embeddings") / original);
        double mscale = rope.has("mscale") ? rope.requireDouble("mscale") : 0;
        double mscaleAllDim = rope.has("mscale_all_dim") ? rope.requireDouble("mscale_all_dim") : 0;
        double cosSin;
        if (rope.has("attention_factor")) {
            cosSin = rope.requireDouble("attention_factor");
        } else if (mscale != 0 && mscaleAllDim != 0) {
            cosSin = magnitude(factor, mscale) / magnitude(factor, mscaleAllDim);
        } else {
            cosSin = magnitude(factor, 1);
        }
        // transformers reads the betas with `or`, so 0 means the default as well.
        double betaFast = rope.doubleOr("beta_fast", 0) != 0 ? rope.doubleOr("beta_fast", 0) : 32;
        double betaSlow = rope.doubleOr("beta_slow", 0) != 0 ? rope.doubleOr("beta_slow", 0) : 1;
        return new YarnScaling(factor, original, betaFast, betaSlow, mscale, mscaleAllDim, cosSin);
    }

    private static double positiveFactor(HfConfig rope, double factor) {
        if (factor <= 0) {
            throw rope.invalid("factor", "a positive number");
        }
        return factor;
    }

    /** YaRN's magnitude correction {@code 0.1·m·ln(s) + 1}, or 1 when the factor does not extend. */
    private static double magnitude(double factor, double m) {
        return factor <= 1 ? 1 : 0.1 * m * Math.log(factor) + 1;
    }

    /** What the attention logits' scale is multiplied by: {@code magnitude(s, mscale_all_dim)²}, 1 when that is 0. */
    public double logitScale() {
        double m = mscaleAllDim == 0 ? 1 : magnitude(factor, mscaleAllDim);
        return m * m;
    }
}
