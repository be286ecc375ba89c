package org.dualsparse.dualsparse.parallel;

import java.util.Map;
import java.util.TreeMap;

/** The expert placement of every MoE layer: one for all layers, overridden for some. */
public final class PlacementPlan {

    private final ExpertPlacement everyLayer;
    private final Map<Integer, ExpertPlacement> perLayer;

    /** @param everyLayer the placement of layers not in {@code perLayer}; null when every layer is listed */
    public PlacementPlan(ExpertPlacement everyLayer, Map<Integer, ExpertPlacement> perLayer) {
        this.everyLayer = everyLayer;
        this.perLayer = new TreeMap<>(perLayer);
    }

    /** The same placement for every layer. */
    public static PlacementPlan uniform(ExpertPlacement placement) {
        return new PlacementPlan(placement, Map.of());
    }

    public ExpertPlacement layer(int layer) {
        ExpertPlacement placement = perLayer.getOrDefault(layer, everyLayer);
        if (placement == null) {
            throw new IllegalArgumentException("the placement plan has no placement for layer " + layer);
        }
        return placement;
    }

    /** Every layer in {@code expertLoads} gets {@code slotsPerDevice} replica slots per device, filled by its own loads. */
    public PlacementPlan withReplicas(Map<Integer, long[]> expertLoads, int slotsPerDevice) {
        Map<Integer, ExpertPlacement> replicated = new TreeMap<>(perLayer);
        expertLoads.forEach((layer, loads) -> replicated.put(layer, layer(layer).withReplicas(loads, slotsPerDevice)));
        return new PlacementPlan(everyLayer, replicated);
    }
}
