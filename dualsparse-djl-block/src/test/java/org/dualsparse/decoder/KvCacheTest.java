package org.dualsparse.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Each layer's named slots grow along their own sequence axis, independently of each other. */
class KvCacheTest {

    @Test
    void slotsGrowAlongTheirSequenceAxis() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                KvCache cache = new KvCache(manager, 2, 1);
                NDManager step = manager.newSubManager()) {
            KvCache.Layer layer = cache.layer(1);
            layer.append(KvCache.Slot.KEY, step.ones(new Shape(1, 2, 3, 4)));
            NDArray keys = layer.append(KvCache.Slot.KEY, step.zeros(new Shape(1, 2, 1, 4)));
            NDArray values = layer.append(KvCache.Slot.VALUE, step.ones(new Shape(1, 2, 1, 4)));
            NDArray latents = cache.layer(0).append(KvCache.Slot.LATENT, step.ones(new Shape(1, 3, 8)));
            latents = cache.layer(0).append(KvCache.Slot.LATENT, step.ones(new Shape(1, 2, 8)));

            assertArrayEquals(new long[] {1, 2, 4, 4}, keys.getShape().getShape());
            assertArrayEquals(new long[] {1, 2, 1, 4}, values.getShape().getShape());
            assertArrayEquals(new long[] {1, 5, 8}, latents.getShape().getShape());
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 0, 0},
                    keys.get("0, 0, 2:4, :").toFloatArray());
        }
    }

    @Test
    void refusesAnUnknownLayerOrAnotherBatch() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                KvCache cache = new KvCache(manager, 2, 1)) {
            assertThrows(IndexOutOfBoundsException.class, () -> cache.layer(2));
            assertThrows(IndexOutOfBoundsException.class, () -> cache.layer(-1));
            assertThrows(IllegalArgumentException.class,
                    () -> cache.layer(0).append(KvCache.Slot.KEY, manager.ones(new Shape(2, 1, 1, 4))));
        }
    }
}
