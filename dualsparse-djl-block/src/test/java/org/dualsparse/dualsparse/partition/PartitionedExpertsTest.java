package org.dualsparse.dualsparse.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.TorchEngine;
import org.junit.jupiter.api.Test;

/**
 * The partitioned layout, judged by what its experts compute: a whole row through every neuron
 * equals the dense expert, a major-only row the SwiGLU of the first sub-experts' neurons alone.
 */
class PartitionedExpertsTest {

    private static final int EXPERTS = 2;
    private static final int NEURONS = 8;
    private static final int HIDDEN = 3;

    @Test
    void wholeRowsAreTheDenseExpertAndMajorOnlyRowsItsFirstSubExperts() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] gateUp = random(EXPERTS * 2 * NEURONS * HIDDEN, 1);
            float[] down = random(EXPERTS * HIDDEN * NEURONS, 2);
            ExpertWeights dense = dense(manager, gateUp, down);
            PartitionedExperts partitioned = ExpertPartitioner.partition(dense, 0, Partition.halves(4), null, manager);
            assertEquals(new SwiGluLayout(NEURONS, 2, 4), partitioned.layout());
            assertTrue(partitioned.hasMinor());
            float[] x = random(5 * HIDDEN, 3);
            for (int e = 0; e < EXPERTS; e++) {
                for (int whole = 0; whole <= 5; whole++) {
                    float[] y = partitioned.kernel(e).apply(manager.create(x, new Shape(5, HIDDEN)), whole, null).toFloatArray();
                    for (int row = 0; row < 5; row++) {
                        float[] expected = swiGlu(gateUp, down, e, x, row, row < whole ? NEURONS : 4);
                        for (int i = 0; i < HIDDEN; i++) {
                            assertEquals(expected[i], y[row * HIDDEN + i], 1e-5, "expert " + e + " row " + row + " of " + whole + " whole");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aSingleSubExpertIsAllMajor() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ExpertWeights dense = dense(manager, random(EXPERTS * 2 * NEURONS * HIDDEN, 1), random(EXPERTS * HIDDEN * NEURONS, 2));
            PartitionedExperts whole = ExpertPartitioner.partition(dense, 0, Partition.halves(1), null, manager);
            assertFalse(whole.hasMinor());
            assertEquals(SwiGluLayout.dense(NEURONS), whole.layout());
        }
    }

    @Test
    void partsThatDoNotDivideTheNeuronsAreRefused() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ExpertWeights dense = dense(manager, random(EXPERTS * 2 * NEURONS * HIDDEN, 1), random(EXPERTS * HIDDEN * NEURONS, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExpertPartitioner.partition(dense, 3, Partition.halves(3), null, manager));
            assertTrue(e.getMessage().contains("cannot split 8 neurons into 3"), e.getMessage());
        }
    }

    private static ExpertWeights dense(NDManager manager, float[] gateUp, float[] down) {
        NDArray g = manager.create(gateUp, new Shape(EXPERTS, 2 * NEURONS, HIDDEN));
        NDArray d = manager.create(down, new Shape(EXPERTS, HIDDEN, NEURONS));
        return new ExpertWeights(g, d);
    }

    /** Row {@code row} of {@code x} through the first {@code neurons} neurons of dense expert {@code e}, in double. */
    private static float[] swiGlu(float[] gateUp, float[] down, int e, float[] x, int row, int neurons) {
        float[] y = new float[HIDDEN];
        for (int n = 0; n < neurons; n++) {
            double gate = 0;
            double up = 0;
            for (int i = 0; i < HIDDEN; i++) {
                gate += gateUp[(e * 2 * NEURONS + n) * HIDDEN + i] * (double) x[row * HIDDEN + i];
                up += gateUp[(e * 2 * NEURONS + NEURONS + n) * HIDDEN + i] * (double) x[row * HIDDEN + i];
            }
            double h = gate / (1 + Math.exp(-gate)) * up;
            for (int i = 0; i < HIDDEN; i++) {
                y[i] += (float) (down[(e * HIDDEN + i) * NEURONS + n] * h);
            }
        }
        return y;
    }

    private static float[] random(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
