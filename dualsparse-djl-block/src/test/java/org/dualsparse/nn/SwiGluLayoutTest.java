package org.dualsparse.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SwiGluLayoutTest {

    @Test
    void partsLayTheirGatesThenTheirUps() {
        SwiGluLayout layout = new SwiGluLayout(8, 2, 4);
        int[] gates = new int[8];
        int[] ups = new int[8];
        for (int n = 0; n < 8; n++) {
            gates[n] = layout.gateRow(n);
            ups[n] = layout.upRow(n);
        }
        assertEquals("[0, 1, 4, 5, 8, 9, 12, 13]", java.util.Arrays.toString(gates));
        assertEquals("[2, 3, 6, 7, 10, 11, 14, 15]", java.util.Arrays.toString(ups));
        assertEquals(4, layout.minorNeurons());
    }

    @Test
    void theDenseLayoutHasEveryGateFirst() {
        SwiGluLayout dense = SwiGluLayout.dense(6);
        assertEquals(5, dense.gateRow(5));
        assertEquals(11, dense.upRow(5));
        assertEquals(false, dense.hasMinor());
    }

    @Test
    void majorNeuronsMustBeWholeParts() {
        assertThrows(IllegalArgumentException.class, () -> new SwiGluLayout(8, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new SwiGluLayout(8, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new SwiGluLayout(8, 2, 0));
    }
}
