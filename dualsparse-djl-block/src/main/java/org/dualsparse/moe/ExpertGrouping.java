package org.dualsparse.moe;

/**
 * Token-expert pairs sorted by expert with a counting sort, so each expert's tokens are one
 * contiguous run: {@code order[offsets[e] .. offsets[e+1])} are the pairs routed to {@code e}.
 */
public final class ExpertGrouping {

    private final long[] order;
    private final long[] inverse;
    private final int[] offsets;

    private ExpertGrouping(long[] order, long[] inverse, int[] offsets) {
        this.order = order;
        this.inverse = inverse;
        this.offsets = offsets;
    }

    /**
     * Groups the pairs whose {@code keep[p]} is true (all pairs when {@code keep} is null).
     *
     * @param experts expert id of every pair
     */
    public static ExpertGrouping of(long[] experts, int numExperts, boolean[] keep) {
        int[] offsets = new int[numExperts + 1];
        int kept = 0;
        for (int p = 0; p < experts.length; p++) {
            if (keep == null || keep[p]) {
                offsets[(int) experts[p] + 1]++;
                kept++;
            }
        }
        for (int e = 0; e < numExperts; e++) {
            offsets[e + 1] += offsets[e];
        }
        int[] next = offsets.clone();
        long[] order = new long[kept];
        long[] inverse = new long[experts.length];
        for (int p = 0; p < experts.length; p++) {
            if (keep == null || keep[p]) {
                int slot = next[(int) experts[p]]++;
                order[slot] = p;
                inverse[p] = slot;
            } else {
                inverse[p] = -1;
            }
        }
        return new ExpertGrouping(order, inverse, offsets);
    }

    /** Pair indices in expert order. */
    public long[] order() {
        return order;
    }

    /** For each pair, its position in {@link #order()} (or -1 when not kept). */
    public long[] inverse() {
        return inverse;
    }

    public int start(int expert) {
        return offsets[expert];
    }

    public int count(int expert) {
        return offsets[expert + 1] - offsets[expert];
    }

    /** The token of each grouped pair, for a batch routed to {@code topK} experts per token. */
    public long[] tokens(int topK) {
        long[] tokens = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            tokens[i] = order[i] / topK;
        }
        return tokens;
    }
}
