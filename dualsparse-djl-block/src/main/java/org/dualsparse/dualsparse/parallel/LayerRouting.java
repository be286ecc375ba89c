package org.dualsparse.dualsparse.parallel;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.moe.Routing;

/** The routing of one batch in one MoE layer, host arrays only (its {@code weights} tensor is null). */
public record LayerRouting(int layer, Routing routing) {

    /** The pairs routed to each expert of each layer over {@code batches}, layers of {@code experts} experts. */
    public static Map<Integer, long[]> expertLoads(List<LayerRouting> batches, int experts) {
        Map<Integer, long[]> loads = new TreeMap<>();
        for (LayerRouting batch : batches) {
            long[] layer = loads.computeIfAbsent(batch.layer(), l -> new long[experts]);
            for (long e : batch.routing().experts()) {
                layer[(int) e]++;
            }
        }
        return loads;
    }

    /** A host-only copy of {@code routing}, safe to keep after its forward pass. */
    public static LayerRouting copyOf(int layer, Routing routing) {
        return new LayerRouting(layer, new Routing(null, null, routing.experts().clone(), routing.hostWeights().clone(),
                routing.numTokens(), routing.topK()));
    }
}
