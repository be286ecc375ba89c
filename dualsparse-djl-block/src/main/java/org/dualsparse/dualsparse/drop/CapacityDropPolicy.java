package org.dualsparse.dualsparse.drop;

import java.util.ArrayList;
import java.util.List;
import org.dualsparse.moe.Routing;

/**
 * The capacity baseline: each expert takes at most {@code C = ⌈γ · tokens · K / E⌉} pairs per
 * batch; past that, its lowest-scoring pairs are dropped first (a token's top-1 expert too, as
 * capacity-based token dropping does).
 */
public record CapacityDropPolicy(double capacityFactor, int numExperts) implements DropPolicy {

    public CapacityDropPolicy {
        if (!(capacityFactor > 0)) {
            throw new IllegalArgumentException("capacity factor must be positive, got " + capacityFactor);
        }
    }

    @Override
    public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
        long[] experts = routing.experts();
        int capacity = (int) Math.ceil(capacityFactor * routing.numTokens() * routing.topK() / numExperts);
        List<List<Integer>> byExpert = new ArrayList<>();
        for (int e = 0; e < numExperts; e++) {
            byExpert.add(new ArrayList<>());
        }
        for (int p = 0; p < experts.length; p++) {
            byExpert.get((int) experts[p]).add(p);
        }
        for (List<Integer> pairs : byExpert) {
            pairs.sort((a, b) -> Float.compare(scores[b], scores[a]));
            for (int rank = 0; rank < pairs.size(); rank++) {
                decisions[pairs.get(rank)] = rank < capacity ? PairDecision.FULL : PairDecision.DROPPED;
            }
        }
    }
}
