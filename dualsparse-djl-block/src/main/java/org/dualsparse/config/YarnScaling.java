package org.dualsparse.config;

import java.util.Set;

/**
 * YaRN rope scaling as DeepSeek-V2 configures it: {@code rope_scaling} (hub spelling, {@code
 * "type": "yarn"}) or transformers v5's {@code rope_parameters} ({@code "rope_type": "yarn"}).
 * Defaults are those of the remote {@code DeepseekV2YarnRotaryEmbedding}.
 *
 * @param factor the context extension factor {@code s}
 * @param originalMaxPositions the pretraining context the correction range is measured against
 * @param betaFast rotations at which a frequency keeps its pretrained value
 * @param betaSlow rotations below which a frequency is fully interpolated
 * @param mscale numerator of the cos/sin magnitude correction
 * @param mscaleAllDim denominator of that correction, and the magnitude whose square scales the
 *     attention logits; 0 for no logit scaling
 */
public record YarnScaling(
        double factor, int originalMaxPositions, double betaFast, double betaSlow, double mscale, double mscaleAllDim) {

    private static final Set<String> KEYS = Set.of(
            "type", "rope_type", "factor", "original_max_position_embeddings",
            "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "rope_theta");

    /**
     * The YaRN settings of {@code c}, or null when it configures no rope scaling. Any other
     * scaling type, or a YaRN key this class does not know, is refused.
     */
    public static YarnScaling parse(HfConfig c) {
        String key = c.has("rope_scaling") ? "rope_scaling" : "rope_parameters";
        if (!c.has(key)) {
            return null;
        }
        if (!c.json().get(key).isJsonObject()) {
            throw c.invalid(key, "an object");
        }
        HfConfig rope = new HfConfig(c.json().getAsJsonObject(key), c.source() + " " + key);
        String typeKey = rope.has("type") ? "type" : "rope_type";
        String type = rope.stringOr(typeKey, "default");
        if (type.equals("default") && key.equals("rope_parameters")) {
            return null;
        }
        if (!type.equals("yarn")) {
            throw rope.unsupported(typeKey, "only YaRN rope scaling is implemented for this family");
        }
        for (String k : rope.json().keySet()) {
            if (!KEYS.contains(k)) {
                throw rope.unsupported(k, "not a YaRN setting this library implements");
            }
        }
        double factor = rope.requireDouble("factor");
        if (factor <= 0) {
            throw rope.invalid("factor", "a positive number");
        }
        return new YarnScaling(
                factor,
                rope.intOr("original_max_position_embeddings", 4096),
                rope.doubleOr("beta_fast", 32),
                rope.doubleOr("beta_slow", 1),
                rope.doubleOr("mscale", 1),
                rope.doubleOr("mscale_all_dim", 0));
    }

    /** YaRN's magnitude correction {@code 0.1·m·ln(s) + 1}, or 1 when the factor does not extend. */
    private static double magnitude(double factor, double m) {
        return factor <= 1 ? 1 : 0.1 * m * Math.log(factor) + 1;
    }

    /** What cos and sin are multiplied by: {@code magnitude(s, mscale) / magnitude(s, mscale_all_dim)}. */
    public double cosSinScale() {
        return magnitude(factor, mscale) / magnitude(factor, mscaleAllDim);
    }

    /** What the attention logits' scale is multiplied by: {@code magnitude(s, mscale_all_dim)²}, 1 when that is 0. */
    public double logitScale() {
        double m = mscaleAllDim == 0 ? 1 : magnitude(factor, mscaleAllDim);
        return m * m;
    }
}
