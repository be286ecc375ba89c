package org.dualsparse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.Random;
import org.dualsparse.moe.Routing;
import org.dualsparse.nn.TorchEngine;
import org.junit.jupiter.api.Test;

class SyntheticRoutingTest {

    private static final int EXPERTS = 16;
    private static final int TOP_K = 4;
    private static final int HIDDEN = 64;

    @Test
    void drawnHiddenStatesRouteWithTheFittedStatistics() {
        try (NDManager manager = TorchEngine.get().newBaseManager()) {
            NDArray router = routerWeight(manager);
            RouterStatistics target = new RouterStatistics(0.3, 0.4);
            SyntheticRouting routing = SyntheticRouting.fit(router, TOP_K, target, 4096, 5);
            assertEquals(target.concentration(), routing.statistics().concentration(), 0.005);
            assertEquals(target.loadCv(), routing.statistics().loadCv(), 0.01);

            NDArray x = routing.hiddenStates(manager, 4096, new Random(9)).reshape(4096, HIDDEN);
            RouterStatistics fresh = RouterStatistics.of(topKSoftmax(Linear.linear(x, router).head()), EXPERTS);
            assertEquals(target.concentration(), fresh.concentration(), 0.02);
            assertEquals(target.loadCv(), fresh.loadCv(), 0.05);
        }
    }

    @Test
    void moreSpreadNeedsMoreOfTheSharedDirection() {
        try (NDManager manager = TorchEngine.get().newBaseManager()) {
            NDArray router = routerWeight(manager);
            SyntheticRouting even = SyntheticRouting.fit(router, TOP_K, new RouterStatistics(0.3, 0.2), 2048, 5);
            SyntheticRouting skewed = SyntheticRouting.fit(router, TOP_K, new RouterStatistics(0.3, 0.8), 2048, 5);
            assertTrue(skewed.sharedScale() / skewed.sigma() > even.sharedScale() / even.sigma());
        }
    }

    private static NDArray routerWeight(NDManager manager) {
        Random random = new Random(1);
        float[] w = new float[EXPERTS * HIDDEN];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * Math.sqrt(16.0 / HIDDEN));
        }
        return manager.create(w, new Shape(EXPERTS, HIDDEN));
    }

    private static Routing topKSoftmax(NDArray logits) {
        NDList top = logits.topK(TOP_K, -1, true, true);
        return new Routing(null, null, top.get(1).toLongArray(), top.get(0).softmax(-1).toFloatArray(),
                Math.toIntExact(logits.getShape().get(0)), TOP_K);
    }
}
