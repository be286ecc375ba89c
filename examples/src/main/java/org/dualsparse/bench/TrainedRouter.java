package org.dualsparse.bench;

import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;

/** The routing statistics of a trained model's routers on real text: what {@code bench moe} imitates. */
public final class TrainedRouter {

    private static final int MAX_LENGTH = 512;

    private TrainedRouter() {}

    /** {@link RouterStatistics} of the model in {@code dir} on {@code sequences}, averaged over its MoE layers. */
    public static RouterStatistics statistics(Path dir, List<long[]> sequences) {
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), Partition.halves(1), Reconstruction.WEIGHT, null, DropPolicy.NONE);
            int length = Math.min(MAX_LENGTH, lm.config().decoder().maxPositions());
            int experts = dualSparse.blocks().get(0).experts().numExperts();
            return RouterStatistics.meanOverLayers(RoutingRecorder.record(lm, dualSparse, sequences, length), experts);
        }
    }
}
