package org.dualsparse.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class InterleavedTrialsTest {

    @Test
    void roundsRotateTheStartAndOnlyTimedRoundsAreKept() {
        List<Integer> order = new ArrayList<>();
        List<DoubleSupplier> tasks = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int task = t;
            tasks.add(() -> {
                order.add(task);
                return order.size();
            });
        }
        double[][] ms = InterleavedTrials.run(tasks, 1, 2);
        assertEquals(List.of(0, 1, 2, 1, 2, 0, 2, 0, 1), order);
        assertArrayEquals(new double[] {6, 8}, ms[0]);
        assertArrayEquals(new double[] {4, 9}, ms[1]);
        assertArrayEquals(new double[] {5, 7}, ms[2]);
    }
}
