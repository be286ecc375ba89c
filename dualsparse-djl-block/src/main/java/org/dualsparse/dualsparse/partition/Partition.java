package org.dualsparse.dualsparse.partition;

/**
 * How an expert is split: into {@code parts} equal sub-experts, of which the first {@code
 * majorParts} (holding the most important neurons after reconstruction) are what a major-only
 * pair computes. The paper splits in halves ({@link #halves}); other major fractions are ours.
 *
 * @param parts sub-experts per expert, {@code P}
 * @param majorParts the major sub-experts, 1 to {@code parts} ({@code parts} leaves no minor part)
 */
public record Partition(int parts, int majorParts) {

    public Partition {
        if (parts < 1) {
            throw new IllegalArgumentException("need at least one sub-expert per expert, got " + parts);
        }
        if (majorParts < 1 || majorParts > parts) {
            throw new IllegalArgumentException("the major part of " + parts + " sub-experts must be 1 to " + parts
                    + " of them, got " + majorParts);
        }
    }

    /** {@code parts} sub-experts, the first half of them major (all of one). */
    public static Partition halves(int parts) {
        return new Partition(parts, Math.max(1, parts / 2));
    }

    /**
     * {@code parts} sub-experts of which {@code majorFraction} are major.
     *
     * @throws IllegalArgumentException when the fraction is not a whole number of sub-experts
     *     between one and all of them
     */
    public static Partition of(int parts, double majorFraction) {
        double major = majorFraction * parts;
        long whole = Math.round(major);
        if (!(Math.abs(major - whole) < 1e-9) || whole < 1 || whole > parts) {
            throw new IllegalArgumentException("major fraction " + majorFraction + " of " + parts
                    + " sub-experts is not a whole number of them from 1 to " + parts
                    + " (with partition " + parts + " use a multiple of 1/" + parts + ")");
        }
        return new Partition(parts, (int) whole);
    }

    /** Whether there are minor sub-experts: a major-only pair then computes less than the whole expert. */
    public boolean hasMinor() {
        return majorParts < parts;
    }

    /** Neurons a major-only pair computes of an expert of {@code neurons}, which {@code parts} divides. */
    public int majorNeurons(int neurons) {
        return majorParts * (neurons / parts);
    }

    @Override
    public String toString() {
        return "P = " + parts + (majorParts * 2 == parts || parts == 1 ? "" : ", major " + majorParts + "/" + parts);
    }
}
