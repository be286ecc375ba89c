package org.dualsparse.moe;

/**
 * Token-expert pairs sorted into buckets with a counting sort, so each bucket's pairs are one
 * contiguous run of rows: {@code order()[start(b) .. start(b) + count(b))} are the pairs of
 * bucket {@code b}. A bucket is an expert, or an expert and what it computes. Pairs in bucket
 * -1 are dropped; {@link #inverse()} maps them to row {@link #kept()}, just past the kept ones.
 */
public final class PairGrouping {

    private final long[] order;
    private final long[] inverse;
    private final int[] offsets;

    private PairGrouping(long[] order, long[] inverse, int[] offsets) {
        this.order = order;
        this.inverse = inverse;
        this.offsets = offsets;
    }

    /** Groups pairs by expert id. */
    public static PairGrouping byExpert(long[] experts, int numExperts) {
        int[] buckets = new int[experts.length];
        for (int p = 0; p < experts.length; p++) {
            buckets[p] = (int) experts[p];
        }
        return of(buckets, numExperts);
    }

    /** Groups pairs by {@code buckets[p]} in {@code [0, numBuckets)}, or drops them for -1. */
    public static PairGrouping of(int[] buckets, int numBuckets) {
        int[] offsets = new int[numBuckets + 1];
        int kept = 0;
        for (int b : buckets) {
            if (b >= 0) {
                offsets[b + 1]++;
                kept++;
            }
        }
        for (int b = 0; b < numBuckets; b++) {
            offsets[b + 1] += offsets[b];
        }
        int[] next = offsets.clone();
        long[] order = new long[kept];
        long[] inverse = new long[buckets.length];
        for (int p = 0; p < buckets.length; p++) {
            if (buckets[p] < 0) {
                inverse[p] = kept;
            } else {
                int slot = next[buckets[p]]++;
                order[slot] = p;
                inverse[p] = slot;
            }
        }
        return new PairGrouping(order, inverse, offsets);
    }

    /** Pair indices, bucket by bucket. */
    public long[] order() {
        return order;
    }

    /** For each pair, its row in {@link #order()}; dropped pairs get {@link #kept()}. */
    public long[] inverse() {
        return inverse;
    }

    public int kept() {
        return order.length;
    }

    /** Pairs in bucket -1. */
    public int dropped() {
        return inverse.length - order.length;
    }

    /** Number of buckets. */
    public int buckets() {
        return offsets.length - 1;
    }

    public int start(int bucket) {
        return offsets[bucket];
    }

    public int count(int bucket) {
        return offsets[bucket + 1] - offsets[bucket];
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
