package org.dualsparse.dualsparse.partition;

import ai.djl.ndarray.NDArray;
import org.dualsparse.moe.StackedExperts;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.SwiGluLayout;

/**
 * The routed experts of one MoE layer as {@link ExpertPartitioner} lays them out: each expert's
 * {@code I} neurons split into {@code P} sub-experts of {@code I/P}, the fused gate/up matrix
 * sub-expert by sub-expert ({@code [gate_0; up_0; gate_1; up_1; …]}) and the down matrix's
 * columns in the same neuron order. The first {@link Partition#majorParts()} sub-experts are the
 * major ones, what a major-only pair computes ({@link #layout()}); the minor sub-experts are the
 * rest. Each expert is one {@link ExpertKernel} of the backend, which runs its whole and its
 * major-only rows. Not an {@link org.dualsparse.moe.ExpertWeights}: gate rows do not come first,
 * so a dense SwiGLU over these arrays would compute something else.
 */
public final class PartitionedExperts extends StackedExperts {

    private final Partition partition;
    private final ExpertKernel[] kernels;

    /**
     * @param gateUp {@code [E, 2I, d]} laid out sub-expert by sub-expert
     * @param down {@code [E, d, I]} in the same neuron order
     * @param partition {@code P}, which divides {@code I}, and the major sub-experts
     */
    PartitionedExperts(NDArray gateUp, NDArray down, Partition partition, MatrixBackend backend) {
        super(gateUp, down, backend);
        this.partition = partition;
        SwiGluLayout layout = layout();
        kernels = new ExpertKernel[numExperts()];
        for (int e = 0; e < kernels.length; e++) {
            kernels[e] = backend.expert(gateUp, down, e, layout);
        }
        matricesMade();
    }

    /** Expert {@code e}: its whole rows through every sub-expert, its major-only rows through the major ones. */
    public ExpertKernel kernel(int e) {
        return kernels[e];
    }

    /** Where the neurons sit: sub-expert by sub-expert, the major ones first. */
    public SwiGluLayout layout() {
        return new SwiGluLayout(intermediateSize(), partNeurons(), majorNeurons());
    }

    /** How the experts are split. */
    public Partition partition() {
        return partition;
    }

    /** Sub-experts per expert, {@code P}. */
    public int parts() {
        return partition.parts();
    }

    /** Neurons per sub-expert, {@code I/P}. */
    public int partNeurons() {
        return intermediateSize() / partition.parts();
    }

    /** The major sub-experts, the first {@link Partition#majorParts()}. */
    public int majorParts() {
        return partition.majorParts();
    }

    /** Neurons a major-only pair computes. */
    public int majorNeurons() {
        return partition.majorNeurons(intermediateSize());
    }

    /** Whether there are minor sub-experts: false when every sub-expert is major (one sub-expert, say). */
    public boolean hasMinor() {
        return partition.hasMinor();
    }

    @Override
    protected void releaseMatrices() {
        for (ExpertKernel kernel : kernels) {
            kernel.release();
        }
    }
}
