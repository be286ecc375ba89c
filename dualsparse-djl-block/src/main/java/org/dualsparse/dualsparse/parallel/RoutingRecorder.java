package org.dualsparse.dualsparse.parallel;

import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.MoeObserver;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.Routing;

/** Keeps the routing of every batch of every MoE layer it observes, in order. */
public final class RoutingRecorder implements MoeObserver {

    private final List<LayerRouting> batches = new ArrayList<>();

    /**
     * The routings of the undropped model on {@code sequences}, cut into forward passes of at
     * most {@code maxLength} tokens: one batch per pass and MoE layer. Restores the drop policy
     * and observer afterwards and resets the drop statistics.
     */
    public static List<LayerRouting> record(MoeLanguageModel lm, DualSparseRuntime dualSparse, List<long[]> sequences, int maxLength) {
        RoutingRecorder recorder = new RoutingRecorder();
        DropPolicy original = dualSparse.policy();
        dualSparse.setPolicy(DropPolicy.NONE);
        dualSparse.setObserver(recorder);
        try {
            for (long[] chunk : Chunks.of(lm, sequences, maxLength)) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    lm.forward(step, new long[][] {chunk}, null, null, true);
                }
            }
        } finally {
            dualSparse.setObserver(null);
            dualSparse.setPolicy(original);
            dualSparse.stats().reset();
        }
        return recorder.batches();
    }

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
