package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.dualsparse.nn.TorchEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StackedPartsTest {

    @BeforeAll
    static void engine() {
        TorchEngine.get();
    }

    @Test
    void partsFillTheirSlotsInOrder() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray stacked = StackedParts.fill(manager, List.of("a", "b", "c"), new long[] {2, 2}, new long[] {3, 4},
                    name -> manager.create(new float[] {name.charAt(0), 1, 2, 3}, new Shape(2, 2)));
            assertEquals(new Shape(3, 4), stacked.getShape());
            assertArrayEquals(new float[] {'a', 1, 2, 3, 'b', 1, 2, 3, 'c', 1, 2, 3}, stacked.toFloatArray());
        }
    }

    @Test
    void partsThatDoNotFillTheShapeAreRejected() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StackedParts.fill(
                    manager, List.of("a", "b"), new long[] {2, 2}, new long[] {3, 4}, name -> manager.zeros(new Shape(2, 2))));
            assertTrue(e.getMessage().contains("2 parts of [2, 2] do not fill [3, 4]"), e.getMessage());
        }
    }

    @Test
    void aFailingPartFreesWhatWasBuilt() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            int before = manager.getManagedArrays().size();
            assertThrows(IllegalStateException.class, () -> StackedParts.fill(manager, List.of("a", "b"), new long[] {2}, new long[] {4},
                    name -> {
                        if (name.equals("b")) {
                            throw new IllegalStateException("no tensor b");
                        }
                        return manager.zeros(new Shape(2));
                    }));
            assertEquals(before, manager.getManagedArrays().size());
        }
    }
}
