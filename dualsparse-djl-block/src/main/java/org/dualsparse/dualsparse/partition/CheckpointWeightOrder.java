package org.dualsparse.dualsparse.partition;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.model.family.ExpertLayout;
import org.dualsparse.moe.ExpertWeights;

/**
 * The {@code weight} neuron order of every expert of a checkpoint, computed from the expert's
 * three projections the first time it is asked for and remembered after.
 */
public final class CheckpointWeightOrder implements NeuronOrder {

    private record ExpertId(int layer, int expert) {}

    private final Checkpoint checkpoint;
    private final ExpertLayout layout;
    private final int hiddenSize;
    private final Map<ExpertId, int[]> permutations = new HashMap<>();

    public CheckpointWeightOrder(Checkpoint checkpoint, ExpertLayout layout, int hiddenSize) {
        this.checkpoint = checkpoint;
        this.layout = layout;
        this.hiddenSize = hiddenSize;
    }

    @Override
    public int[] permutation(int layer, int expert) {
        return permutations.computeIfAbsent(new ExpertId(layer, expert), id -> NeuronOrder.byImportance(importance(id)));
    }

    private float[] importance(ExpertId id) {
        ExpertWeights.Names projections = layout.projections();
        return ExpertPartitioner.weightImportance(
                values(id, projections.gate()), values(id, projections.up()), values(id, projections.down()), hiddenSize);
    }

    private FloatBuffer values(ExpertId id, String projection) {
        return checkpoint.float32(layout.projectionName(id.layer(), id.expert(), projection)).asFloatBuffer();
    }
}
