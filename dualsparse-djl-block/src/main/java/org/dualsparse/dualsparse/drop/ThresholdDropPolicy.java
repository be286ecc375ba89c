package org.dualsparse.dualsparse.drop;

import java.util.Arrays;
import org.dualsparse.moe.Routing;

/**
 * The DualSparse dual-threshold rule (1T without a {@link Margin}): a pair with normalised score
 * {@code s < T − δ} is dropped, {@code T − δ ≤ s < T + δ} runs its major part only, {@code s ≥ T +
 * δ} runs whole, {@code δ} fixed or a fraction of {@code T}. A score equal to a threshold counts as
 * at-or-above it. With {@code T < 1/K} the top-1 expert of every token always survives (its score
 * is at least {@code 1/K}).
 */
public final class ThresholdDropPolicy implements DropPolicy {

    /** The paper's {@code δ} for 2T. */
    public static final double PAPER_DELTA = 0.01;

    private final float[] thresholds;
    private final Margin margin;

    private ThresholdDropPolicy(float[] thresholds, Margin margin) {
        this.thresholds = thresholds;
        this.margin = margin;
    }

    /**
     * One threshold for every layer, with a fixed margin {@code delta}.
     *
     * @param force allow {@code T ≥ 1/K}, which can drop a token's top-1 expert
     */
    public static ThresholdDropPolicy global(double threshold, double delta, int topK, boolean force) {
        return global(threshold, Margin.absolute(delta), topK, force);
    }

    /** One threshold for every layer. */
    public static ThresholdDropPolicy global(double threshold, Margin margin, int topK, boolean force) {
        check(threshold, margin.at(threshold), topK, force, -1);
        return new ThresholdDropPolicy(new float[] {(float) threshold}, margin);
    }

    /** One threshold per layer index; NaN marks a layer without an MoE block. */
    public static ThresholdDropPolicy perLayer(double[] thresholds, Margin margin, int topK, boolean force) {
        float[] t = new float[thresholds.length];
        for (int l = 0; l < t.length; l++) {
            if (!Double.isNaN(thresholds[l])) {
                check(thresholds[l], margin.at(thresholds[l]), topK, force, l);
            }
            t[l] = (float) thresholds[l];
        }
        return new ThresholdDropPolicy(t, margin);
    }

    private static void check(double threshold, double delta, int topK, boolean force, int layer) {
        String where = layer < 0 ? "" : " (layer " + layer + ")";
        if (!(threshold >= 0) || !(delta >= 0) || delta > threshold) {
            throw new IllegalArgumentException(
                    "need 0 ≤ δ ≤ T, got T = " + threshold + ", δ = " + delta + where);
        }
        if (threshold >= 1.0 / topK && !force) {
            throw new IllegalArgumentException("threshold " + threshold + where + " ≥ 1/K = " + 1.0 / topK
                    + " could drop a token's top-1 expert; lower it or force it");
        }
    }

    /** Layer {@code layer}'s threshold, NaN when it has none. */
    public float threshold(int layer) {
        if (thresholds.length == 1) {
            return thresholds[0];
        }
        return layer < thresholds.length ? thresholds[layer] : Float.NaN;
    }

    public Margin margin() {
        return margin;
    }

    /** Layer {@code layer}'s {@code δ}, NaN when it has no threshold. */
    public float delta(int layer) {
        return (float) margin.at(threshold(layer));
    }

    @Override
    public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
        float t = threshold(layer);
        if (Float.isNaN(t)) {
            throw new IllegalStateException("no threshold for layer " + layer + " in " + this);
        }
        float delta = (float) margin.at(t);
        for (int p = 0; p < scores.length; p++) {
            decisions[p] = decide(scores[p], t, delta);
        }
    }

    /** The rule for one pair of normalised score {@code s} at threshold {@code t} and margin {@code δ}. */
    public static byte decide(float s, float t, float delta) {
        return s < t - delta ? PairDecision.DROPPED : s < t + delta ? PairDecision.MAJOR : PairDecision.FULL;
    }

    @Override
    public String toString() {
        return (margin.isBand() ? "2T" : "1T") + " T=" + Arrays.toString(thresholds) + " δ=" + margin;
    }
}
