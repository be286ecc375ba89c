package org.dualsparse.dualsparse.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightMatrix;
import org.junit.jupiter.api.Test;

/** The partitioned layout: sub-experts as the partitioner writes them, the major ones first. */
class PartitionedExpertsTest {

    private static final int EXPERTS = 2;
    private static final int NEURONS = 8;
    private static final int HIDDEN = 3;

    @Test
    void subExpertsAreTheDenseNeuronsGateAndUpSideBySideAndTheMajorHalfComesFirst() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ExpertWeights dense = dense(manager);
            PartitionedExperts partitioned = ExpertPartitioner.partition(dense, 0, Partition.halves(4), null, manager);
            assertEquals(4, partitioned.parts());
            assertEquals(2, partitioned.partNeurons());
            assertEquals(4, partitioned.majorNeurons());
            assertTrue(partitioned.hasMinor());
            assertEquals(new PartitionedExperts.Span(0, 8), partitioned.majorRows());
            assertEquals(new PartitionedExperts.Span(8, 16), partitioned.minorRows());
            assertEquals(new PartitionedExperts.Span(0, 4), partitioned.majorColumns());
            assertEquals(new PartitionedExperts.Span(4, 8), partitioned.minorColumns());
            for (int e = 0; e < EXPERTS; e++) {
                float[] gateUp = values(dense.gateUp(e));
                float[] parts = values(partitioned.whole(e).gateUp());
                for (int p = 0; p < 4; p++) {
                    assertArrayEquals(rows(gateUp, 2 * p, 2 * p + 2), rows(parts, 4 * p, 4 * p + 2), "gate of sub-expert " + p);
                    assertArrayEquals(rows(gateUp, NEURONS + 2 * p, NEURONS + 2 * p + 2), rows(parts, 4 * p + 2, 4 * p + 4),
                            "up of sub-expert " + p);
                }
                assertArrayEquals(rows(parts, 0, 8), values(partitioned.major(e).gateUp()), "major gate/up rows");
                assertArrayEquals(rows(parts, 8, 16), values(partitioned.minor(e).gateUp()), "minor gate/up rows");
                float[] down = values(dense.down(e));
                assertArrayEquals(down, values(partitioned.whole(e).down()), "down keeps the neuron order");
                float[] majorDown = values(partitioned.major(e).down());
                float[] minorDown = values(partitioned.minor(e).down());
                for (int row = 0; row < HIDDEN; row++) {
                    assertArrayEquals(Arrays.copyOfRange(down, row * NEURONS, row * NEURONS + 4),
                            Arrays.copyOfRange(majorDown, row * 4, row * 4 + 4), "major down columns");
                    assertArrayEquals(Arrays.copyOfRange(down, row * NEURONS + 4, row * NEURONS + 8),
                            Arrays.copyOfRange(minorDown, row * 4, row * 4 + 4), "minor down columns");
                }
            }
        }
    }

    @Test
    void aSingleSubExpertIsAllMajor() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            PartitionedExperts whole = ExpertPartitioner.partition(dense(manager), 0, Partition.halves(1), null, manager);
            assertFalse(whole.hasMinor());
            assertEquals(NEURONS, whole.majorNeurons());
            assertEquals(new PartitionedExperts.Span(0, 2 * NEURONS), whole.majorRows());
        }
    }

    @Test
    void partsThatDoNotDivideTheNeuronsAreRefused() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExpertPartitioner.partition(dense(manager), 3, Partition.halves(3), null, manager));
            assertTrue(e.getMessage().contains("cannot split 8 neurons into 3"), e.getMessage());
        }
    }

    private static ExpertWeights dense(NDManager manager) {
        NDArray gateUp = manager.arange(0f, EXPERTS * 2 * NEURONS * HIDDEN).reshape(EXPERTS, 2 * NEURONS, HIDDEN);
        NDArray down = manager.arange(0f, EXPERTS * HIDDEN * NEURONS).neg().reshape(new Shape(EXPERTS, HIDDEN, NEURONS));
        return new ExpertWeights(gateUp, down);
    }

    /** {@code W}, read through the matrix's own product: {@code W · Iᵀ}, exact in float32. */
    /** Rows {@code [from, to)} of a {@code [*, HIDDEN]} matrix's values. */
    private static float[] rows(float[] matrix, int from, int to) {
        return Arrays.copyOfRange(matrix, from * HIDDEN, to * HIDDEN);
    }

    /** The matrix's values, row-major {@code [outputs, inputs]}. */
    private static float[] values(WeightMatrix matrix) {
        try (NDManager step = NDManager.newBaseManager("PyTorch")) {
            return matrix.timesTransposed(step.eye((int) matrix.inputs())).toFloatArray();
        }
    }
}
