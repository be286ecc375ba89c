package org.dualsparse.dualsparse.parallel;

import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparse;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Observation;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.RoutingObserver;

/** Keeps the routing of every batch of every MoE layer it observes, in order. */
public final class RoutingRecorder implements RoutingObserver {

    private final List<LayerRouting> batches = new ArrayList<>();

    /**
     * The routings of {@code lm} on {@code sequences}, cut into forward passes of at most {@code
     * maxLength} tokens: one batch per pass and MoE layer. The model is observed as it is, without
     * partitioning it.
     */
    public static List<LayerRouting> record(MoeLanguageModel lm, List<long[]> sequences, int maxLength) {
        RoutingRecorder recorder = new RoutingRecorder();
        try (Observation watch = MoeBlocks.observe(lm.block(), recorder)) {
            for (long[] chunk : Chunks.of(lm, sequences, maxLength)) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    lm.forward(step, new long[][] {chunk}, null, null, true);
                }
            }
        }
        return recorder.batches();
    }

    /**
     * The routings of the undropped model {@code dualSparse} was applied to, as {@link
     * #record(MoeLanguageModel, List, int)}. Restores the drop policy afterwards and resets the
     * drop statistics.
     */
    public static List<LayerRouting> record(MoeLanguageModel lm, DualSparse dualSparse, List<long[]> sequences, int maxLength) {
        DropPolicy original = dualSparse.policy();
        dualSparse.setPolicy(DropPolicy.NONE);
        try {
            return record(lm, sequences, maxLength);
        } finally {
            dualSparse.setPolicy(original);
            dualSparse.stats().reset();
        }
    }

    @Override
    public synchronized void routed(int layer, Routing routing) {
        batches.add(LayerRouting.copyOf(layer, routing));
    }

    public synchronized List<LayerRouting> batches() {
        return List.copyOf(batches);
    }
}
