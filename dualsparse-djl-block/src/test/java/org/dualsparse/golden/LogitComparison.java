package org.dualsparse.golden;

/**
 * The largest difference between our logits and transformers' over a set of positions, and
 * transformers' logit scale (its largest magnitude), so tolerances are relative to the scale.
 */
public final class LogitComparison {

    private double maxAbsDiff;
    private double scale;

    /** Compares {@code length} values from {@code expected[eOffset]} with {@code actual[aOffset]}. */
    public LogitComparison add(float[] expected, int eOffset, float[] actual, int aOffset, int length) {
        for (int i = 0; i < length; i++) {
            scale = Math.max(scale, Math.abs(expected[eOffset + i]));
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs((double) expected[eOffset + i] - actual[aOffset + i]));
        }
        return this;
    }

    public LogitComparison add(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError("expected " + expected.length + " logits, got " + actual.length);
        }
        return add(expected, 0, actual, 0, expected.length);
    }

    public double maxAbsDiff() {
        return maxAbsDiff;
    }

    public double scale() {
        return scale;
    }

    public double relative() {
        return maxAbsDiff / scale;
    }

    /** Whether the largest difference is within {@code tolerance} of the logit scale, on logits large enough to mean something. */
    public boolean within(double tolerance) {
        return scale > 1 && maxAbsDiff <= tolerance * scale;
    }

    @Override
    public String toString() {
        return String.format("max|Δlogit| %.3e, logit scale %.2f, relative %.2e", maxAbsDiff, scale, relative());
    }
}
