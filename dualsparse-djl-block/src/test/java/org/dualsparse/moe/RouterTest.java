package org.dualsparse.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Top-K selection, group limits, renormalisation and scaling on logits chosen by hand. */
class RouterTest {

    /** Two tokens over 8 experts; the identity gate makes the token the router logits. */
    private static final float[][] LOGITS = {
        {5, 1, 4.9f, 0.5f, 0, 0, 4.8f, 4.7f},
        {0, 3, 0.2f, 0.1f, 2, 2.5f, 0.3f, 0.4f},
    };

    private NDManager manager;

    @BeforeEach
    void start() {
        TorchEngine.get();
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    @Test
    void plainTopKKeepsSoftmaxProbabilities() {
        Routing r = route(new Router.Spec(8, 3, false));
        assertSelected(r, 0, 0, 2, 6);
        assertSelected(r, 1, 1, 5, 4);
        assertWeights(r, 0, softmax(LOGITS[0]), 0, 2, 6);
    }

    /** Groups {0,1} {2,3} {4,5} {6,7} score 5, 4.9, 0, 4.8: only experts 0-3 stay for token 0. */
    @Test
    void groupLimitChoosesWithinTheBestGroupsAndScales() {
        Routing r = route(new Router.Spec(8, 3, false).withGroupLimit(4, 2).withRoutedScalingFactor(2.5));
        assertSelected(r, 0, 0, 2, 1);
        assertSelected(r, 1, 1, 5, 4);
        double[] p = softmax(LOGITS[0]);
        assertArrayEquals(new float[] {(float) (2.5 * p[0]), (float) (2.5 * p[2]), (float) (2.5 * p[1])},
                Arrays.copyOfRange(r.hostWeights(), 0, 3), 1e-6f);
    }

    /** Token 1's best group of {0-3} {4-7} is the first (expert 1 scores 3), so expert 5 is out of reach. */
    @Test
    void renormalisedWeightsSumToOne() {
        Routing r = route(new Router.Spec(8, 2, true).withGroupLimit(2, 1));
        assertSelected(r, 0, 0, 2);
        assertSelected(r, 1, 1, 2);
        double[] p = softmax(LOGITS[1]);
        assertArrayEquals(new float[] {(float) (p[1] / (p[1] + p[2])), (float) (p[2] / (p[1] + p[2]))},
                Arrays.copyOfRange(r.hostWeights(), 2, 4), 1e-6f);
    }

    private Routing route(Router.Spec spec) {
        float[] identity = new float[64];
        for (int i = 0; i < 8; i++) {
            identity[i * 9] = 1;
        }
        Router router = new Router(spec, new Fixed(identity), "gate.weight", 8);
        float[] flat = new float[16];
        System.arraycopy(LOGITS[0], 0, flat, 0, 8);
        System.arraycopy(LOGITS[1], 0, flat, 8, 8);
        return router.route(new ParameterStore(manager, false), manager.create(flat, new Shape(2, 8)));
    }

    private static void assertSelected(Routing r, int token, long... experts) {
        assertArrayEquals(experts, Arrays.copyOfRange(r.experts(), token * r.topK(), (token + 1) * r.topK()));
    }

    private static void assertWeights(Routing r, int token, double[] probs, int... experts) {
        for (int k = 0; k < experts.length; k++) {
            assertEquals(probs[experts[k]], r.hostWeights()[token * r.topK() + k], 1e-6);
        }
    }

    private static double[] softmax(float[] logits) {
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i]);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** One fixed {@code [8, 8]} tensor, whatever the name. */
    private final class Fixed implements WeightSource {
        private final float[] data;

        Fixed(float[] data) {
            this.data = data;
        }

        @Override
        public NDArray load(String name, long... shape) {
            return manager.create(data, new Shape(shape));
        }

        @Override
        public NDArray loadConcatenated(List<String> names, long[] partShape, long... shape) {
            throw new UnsupportedOperationException();
        }

        @Override
        public NDManager manager() {
            return manager;
        }
    }
}
