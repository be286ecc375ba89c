package org.dualsparse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.moe.Routing;

/**
 * Two numbers that say what a router's decisions look like, comparable across expert counts.
 *
 * @param concentration the mean over tokens of {@code (s₁ − 1/K) / (1 − 1/K)}, {@code s₁} the
 *     token's largest normalised top-K score: 0 when its K experts weigh the same, 1 when one takes all
 * @param loadCv the coefficient of variation (std / mean) of the pairs routed to each expert
 */
public record RouterStatistics(double concentration, double loadCv) {

    /** The statistics of one batch of routing over {@code numExperts} experts. */
    public static RouterStatistics of(Routing routing, int numExperts) {
        return of(List.of(routing), numExperts);
    }

    /** The statistics of batches pooled, over {@code numExperts} experts. */
    public static RouterStatistics of(List<Routing> batches, int numExperts) {
        double concentration = 0;
        long tokens = 0;
        long[] loads = new long[numExperts];
        for (Routing routing : batches) {
            int k = routing.topK();
            float[] scores = Scores.normalised(routing);
            for (int n = 0; n < routing.numTokens(); n++) {
                float top = 0;
                for (int j = n * k; j < (n + 1) * k; j++) {
                    top = Math.max(top, scores[j]);
                }
                concentration += k == 1 ? 1 : (top - 1.0 / k) / (1 - 1.0 / k);
                tokens++;
            }
            for (long e : routing.experts()) {
                loads[(int) e]++;
            }
        }
        return new RouterStatistics(concentration / tokens, coefficientOfVariation(loads));
    }

    /** Each layer's statistics over all its batches, averaged over the layers. */
    public static RouterStatistics meanOverLayers(List<LayerRouting> batches, int numExperts) {
        Map<Integer, List<Routing>> byLayer = new TreeMap<>();
        for (LayerRouting batch : batches) {
            byLayer.computeIfAbsent(batch.layer(), l -> new ArrayList<>()).add(batch.routing());
        }
        double concentration = 0;
        double loadCv = 0;
        for (List<Routing> layer : byLayer.values()) {
            RouterStatistics s = of(layer, numExperts);
            concentration += s.concentration();
            loadCv += s.loadCv();
        }
        return new RouterStatistics(concentration / byLayer.size(), loadCv / byLayer.size());
    }

    static double coefficientOfVariation(long[] counts) {
        double mean = 0;
        for (long c : counts) {
            mean += c;
        }
        mean /= counts.length;
        double variance = 0;
        for (long c : counts) {
            variance += (c - mean) * (c - mean);
        }
        return Math.sqrt(variance / counts.length) / mean;
    }
}
