package org.dualsparse.dualsparse;

import org.dualsparse.moe.Routing;

/** The routing of one batch in one MoE layer, host arrays only (its {@code weights} tensor is null). */
public record LayerRouting(int layer, Routing routing) {

    /** A host-only copy of {@code routing}, safe to keep after its forward pass. */
    public static LayerRouting copyOf(int layer, Routing routing) {
        return new LayerRouting(layer, new Routing(null, routing.experts().clone(), routing.hostWeights().clone(),
                routing.numTokens(), routing.topK()));
    }
}
