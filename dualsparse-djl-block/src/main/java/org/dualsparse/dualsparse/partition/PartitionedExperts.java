package org.dualsparse.dualsparse.partition;

import ai.djl.ndarray.NDArray;
import org.dualsparse.moe.StackedExperts;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.WeightMatrix;

/**
 * The routed experts of one MoE layer as {@link ExpertPartitioner} lays them out: each expert's
 * {@code I} neurons split into {@code P} sub-experts of {@code I/P}, the fused gate/up matrix
 * sub-expert by sub-expert ({@code [gate_0; up_0; gate_1; up_1; …]}) and the down matrix's
 * columns in the same neuron order. The first {@code max(1, P/2)} sub-experts are the major ones,
 * what a major-only pair computes: rows {@link #majorRows()} of gate/up and columns {@link
 * #majorColumns()} of down; the minor sub-experts are the rest. Not an {@link
 * org.dualsparse.moe.ExpertWeights}: gate rows do not come first, so a dense SwiGLU over these
 * matrices would compute something else.
 */
public final class PartitionedExperts extends StackedExperts {

    /** The half-open index range {@code [from, to)} of a matrix's rows or columns. */
    public record Span(int from, int to) {}

    private final int parts;
    private final int majorParts;
    private final Matrices[] whole;
    private final Matrices[] major;
    private final Matrices[] minor;

    /**
     * @param gateUp {@code [E, 2I, d]} laid out sub-expert by sub-expert
     * @param down {@code [E, d, I]} in the same neuron order
     * @param parts {@code P}, which divides {@code I}
     */
    PartitionedExperts(NDArray gateUp, NDArray down, int parts, MatrixBackend backend) {
        super(gateUp, down, backend);
        this.parts = parts;
        this.majorParts = majorParts(parts);
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

    /**
     * Neurons a major-only pair computes when {@code neurons} are split into {@code parts}
     * sub-experts: the first half of the sub-experts, or the whole expert when there is one.
     */
    public static int majorNeurons(int neurons, int parts) {
        return majorParts(parts) * (neurons / parts);
    }

    private static int majorParts(int parts) {
        return Math.max(1, parts / 2);
    }

    /** Sub-experts per expert, {@code P}. */
    public int parts() {
        return parts;
    }

    /** Neurons per sub-expert, {@code I/P}. */
    public int partNeurons() {
        return intermediateSize() / parts;
    }

    /** The major sub-experts, the first {@code max(1, P/2)}. */
    public int majorParts() {
        return majorParts;
    }

    /** Neurons a major-only pair computes. */
    public int majorNeurons() {
        return majorParts * partNeurons();
    }

    /** Whether there are minor sub-experts: false for a single sub-expert, which is all major. */
    public boolean hasMinor() {
        return majorParts < parts;
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
