package org.dualsparse.dualsparse;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.moe.Routing;

/** Keeps the routing of every batch of every MoE layer it observes, in order. */
public final class RoutingRecorder implements MoeObserver {

    private final List<LayerRouting> batches = new ArrayList<>();

    @Override
    public synchronized void routed(int layer, Routing routing, float[] scores) {
        batches.add(LayerRouting.copyOf(layer, routing));
    }

    @Override
    public void activations(int layer, int expert, NDArray gate, NDArray up) {}

    public synchronized List<LayerRouting> batches() {
        return List.copyOf(batches);
    }
}
