package org.dualsparse.dualsparse.parallel;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
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
     * #record(MoeLanguageModel, List, int)}: nothing is dropped while recording, and the drop
     * statistics show none of these passes afterwards.
     */
    public static List<LayerRouting> record(MoeLanguageModel lm, DualSparseRuntime dualSparse, List<long[]> sequences, int maxLength) {
        try (var undropped = dualSparse.using(DropPolicy.NONE); var uncounted = dualSparse.measuring()) {
            return record(lm, sequences, maxLength);
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
