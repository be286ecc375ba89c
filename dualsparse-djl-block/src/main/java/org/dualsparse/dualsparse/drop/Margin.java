package org.dualsparse.dualsparse.drop;

/**
 * 2T's half-width {@code δ} around a threshold {@code T}: pairs scoring in {@code [T − δ, T + δ)}
 * run their major part only. Either a fixed score difference (the paper's {@code δ = 0.01}), or a
 * fraction {@code ρ} of the threshold itself, {@code δ = ρ·T}: the band then grows and shrinks
 * with {@code T}, so every drop rate stays reachable and the band's share of pairs carries over
 * between routers of different top-K, whose scores have different scales. The margin 0 is 1T.
 *
 * @param value {@code δ}, or {@code ρ} in {@code [0, 1]} when {@code relative}
 */
public record Margin(double value, boolean relative) {

    /** No band: 1T. */
    public static final Margin NONE = new Margin(0, false);

    public Margin {
        if (!(value >= 0) || relative && value > 1) {
            throw new IllegalArgumentException(relative
                    ? "a relative margin ρ (δ = ρ·T) must lie in [0, 1], got " + value
                    : "a margin δ must be at least 0, got " + value);
        }
    }

    /** A fixed {@code δ}. */
    public static Margin absolute(double delta) {
        return new Margin(delta, false);
    }

    /** {@code δ = ρ·T}. */
    public static Margin relative(double ratio) {
        return new Margin(ratio, true);
    }

    /** {@code δ} at threshold {@code threshold}. */
    public double at(double threshold) {
        return relative ? value * threshold : value;
    }

    /** The smallest threshold with {@code T − δ ≥ 0}: {@code δ} for a fixed margin, 0 for a relative one. */
    public double lowestThreshold() {
        return relative ? 0 : value;
    }

    /** Whether there is a band at all (else the rule is 1T). */
    public boolean isBand() {
        return value > 0;
    }

    @Override
    public String toString() {
        return relative ? value + "·T" : Double.toString(value);
    }
}
