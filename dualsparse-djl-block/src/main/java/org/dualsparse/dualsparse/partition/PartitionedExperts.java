package org.dualsparse.dualsparse.partition;

import ai.djl.ndarray.NDArray;
import org.dualsparse.moe.StackedExperts;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.WeightMatrix;

/**
 * The routed experts of one MoE layer as {@link ExpertPartitioner} lays them out: each expert's
 * {@code I} neurons split into {@code P} sub-experts of {@code I/P}, the fused gate/up matrix
 * sub-expert by sub-expert ({@code [gate_0; up_0; gate_1; up_1; …]}) and the down matrix's
 * columns in the same neuron order. The first {@link Partition#majorParts()} sub-experts are the
 * major ones, what a major-only pair computes: rows {@link #majorRows()} of gate/up and columns {@link
 * #majorColumns()} of down; the minor sub-experts are the rest. Not an {@link
 * org.dualsparse.moe.ExpertWeights}: gate rows do not come first, so a dense SwiGLU over these
 * matrices would compute something else.
 */
public final class PartitionedExperts extends StackedExperts {

    /** The half-open index range {@code [from, to)} of a matrix's rows or columns. */
    public record Span(int from, int to) {}

    private final Partition partition;
    private final Matrices[] whole;
    private final Matrices[] major;
    private final Matrices[] minor;

    /**
     * @param gateUp {@code [E, 2I, d]} laid out sub-expert by sub-expert
     * @param down {@code [E, d, I]} in the same neuron order
     * @param partition {@code P}, which divides {@code I}, and the major sub-experts
     */
    PartitionedExperts(NDArray gateUp, NDArray down, Partition partition, MatrixBackend backend) {
        super(gateUp, down, backend);
        this.partition = partition;
        int experts = numExperts();
        whole = backend.keepsArrays() ? new Matrices[experts] : null;
        major = new Matrices[experts];
        minor = hasMinor() ? new Matrices[experts] : null;
        for (int e = 0; e < experts; e++) {
            if (whole != null) {
                whole[e] = new Matrices(backend.matrix(gateUp, e), backend.matrix(down, e));
            }
            major[e] = matrices(gateUp, down, e, majorRows(), majorColumns());
            if (minor != null) {
                minor[e] = matrices(gateUp, down, e, minorRows(), minorColumns());
            }
        }
        matricesMade();
    }

    /** One expert's gate/up rows and down columns of some of its sub-experts. */
    public record Matrices(WeightMatrix gateUp, WeightMatrix down) {}

    private Matrices matrices(NDArray gateUp, NDArray down, int e, Span rows, Span columns) {
        MatrixBackend backend = backend();
        return new Matrices(
                backend.matrix(gateUp, e, rows.from(), rows.to(), 0, hiddenSize()),
                backend.matrix(down, e, 0, hiddenSize(), columns.from(), columns.to()));
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

    /** The gate/up rows of the major sub-experts. */
    public Span majorRows() {
        return new Span(0, 2 * majorNeurons());
    }

    /** The gate/up rows of the minor sub-experts; see {@link #hasMinor()}. */
    public Span minorRows() {
        return new Span(2 * majorNeurons(), 2 * intermediateSize());
    }

    /** The down columns of the major sub-experts. */
    public Span majorColumns() {
        return new Span(0, majorNeurons());
    }

    /** The down columns of the minor sub-experts; see {@link #hasMinor()}. */
    public Span minorColumns() {
        return new Span(majorNeurons(), intermediateSize());
    }

    /**
     * Expert {@code e}'s whole matrices, sub-expert by sub-expert; null when the backend packs its
     * weights, which then holds the major and minor halves only (a whole pair runs both).
     */
    public Matrices whole(int e) {
        return whole == null ? null : whole[e];
    }

    /** Expert {@code e}'s major sub-experts. */
    public Matrices major(int e) {
        return major[e];
    }

    /** Expert {@code e}'s minor sub-experts; null without {@link #hasMinor()}. */
    public Matrices minor(int e) {
        return minor == null ? null : minor[e];
    }

    @Override
    protected void releaseMatrices() {
        for (Matrices[] kind : new Matrices[][] {whole, major, minor}) {
            if (kind != null) {
                for (Matrices m : kind) {
                    m.gateUp().release();
                    m.down().release();
                }
            }
        }
    }
}
