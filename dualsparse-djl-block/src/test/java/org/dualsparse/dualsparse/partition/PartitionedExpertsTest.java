package org.dualsparse.dualsparse.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
            PartitionedExperts partitioned = ExpertPartitioner.partition(dense, 0, 4, null, manager);
            assertEquals(4, partitioned.parts());
            assertEquals(2, partitioned.partNeurons());
            assertEquals(4, partitioned.majorNeurons());
            assertTrue(partitioned.hasMinor());
            assertEquals(new PartitionedExperts.Span(0, 8), partitioned.majorRows());
            assertEquals(new PartitionedExperts.Span(8, 16), partitioned.minorRows());
            assertEquals(new PartitionedExperts.Span(0, 4), partitioned.majorColumns());
            assertEquals(new PartitionedExperts.Span(4, 8), partitioned.minorColumns());
            for (int e = 0; e < EXPERTS; e++) {
                WeightMatrix gateUp = dense.gateUp(e);
                WeightMatrix parts = partitioned.gateUp(e);
                for (int p = 0; p < 4; p++) {
                    assertArrayEquals(values(gateUp.rows(2 * p, 2 * p + 2)), values(parts.rows(4 * p, 4 * p + 2)),
                            "gate of sub-expert " + p);
                    assertArrayEquals(values(gateUp.rows(NEURONS + 2 * p, NEURONS + 2 * p + 2)),
                            values(parts.rows(4 * p + 2, 4 * p + 4)), "up of sub-expert " + p);
                }
                assertArrayEquals(values(dense.down(e)), values(partitioned.down(e)), "down keeps the neuron order");
            }
        }
    }

    @Test
    void aSingleSubExpertIsAllMajor() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            PartitionedExperts whole = ExpertPartitioner.partition(dense(manager), 0, 1, null, manager);
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
                    () -> ExpertPartitioner.partition(dense(manager), 3, 3, null, manager));
            assertTrue(e.getMessage().contains("cannot split 8 neurons into 3"), e.getMessage());
        }
    }

    private static ExpertWeights dense(NDManager manager) {
        NDArray gateUp = manager.arange(0f, EXPERTS * 2 * NEURONS * HIDDEN).reshape(EXPERTS, 2 * NEURONS, HIDDEN);
        NDArray down = manager.arange(0f, EXPERTS * HIDDEN * NEURONS).neg().reshape(new Shape(EXPERTS, HIDDEN, NEURONS));
        return new ExpertWeights(gateUp, down);
    }

    /** {@code W}, read through the matrix's own product: {@code W · Iᵀ}, exact in float32. */
    private static float[] values(WeightMatrix matrix) {
        try (NDManager step = NDManager.newBaseManager("PyTorch")) {
            return matrix.timesTransposed(step.eye((int) matrix.inputs())).toFloatArray();
        }
    }
}
