package org.dualsparse.arguments;

/**
 * The interval an argument must lie in; NaN lies in none.
 *
 * @param min the lower end
 * @param minIncluded whether {@code min} itself is allowed
 * @param max the upper end
 */
public record Range(double min, boolean minIncluded, double max) {

    /** {@code [min, max]}. */
    public static Range closed(double min, double max) {
        return new Range(min, true, max);
    }

    /** {@code (min, max]}. */
    public static Range aboveUpTo(double min, double max) {
        return new Range(min, false, max);
    }

    /** {@code [min, ∞)}. */
    public static Range atLeast(double min) {
        return new Range(min, true, Double.POSITIVE_INFINITY);
    }

    /** {@code (min, ∞)}. */
    public static Range above(double min) {
        return new Range(min, false, Double.POSITIVE_INFINITY);
    }

    public boolean contains(double value) {
        return (minIncluded ? value >= min : value > min) && value <= max;
    }

    @Override
    public String toString() {
        return (minIncluded ? "[" : "(") + end(min) + ", " + end(max) + (max == Double.POSITIVE_INFINITY ? ")" : "]");
    }

    private static String end(double value) {
        return Double.isInfinite(value) ? (value > 0 ? "∞" : "-∞") : value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
