package org.dualsparse.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.Random;
import org.dualsparse.dualsparse.drop.ThresholdBisection;
import org.dualsparse.moe.Routing;

/**
 * Hidden states {@code x = σ·z + c·u} for a router with random weights, fitted so that its
 * routing has given {@link RouterStatistics}: {@code z} fresh per token and {@code u} one
 * direction shared by all tokens, both with N(0, 1) entries. The router's logits are then
 * {@code σ·(W z) + c·(W u)}: a per-token part and a fixed per-expert bias that makes some experts
 * more popular than others. Which experts a token picks depends only on {@code r = c / σ}, so
 * {@code r} is solved first for the load spread, then {@code σ} for the score concentration.
 */
public final class SyntheticRouting {

    private static final double MAX_RATIO = 64;
    private static final double MAX_SIGMA = 64;

    private final float[] tokenLogits;
    private final float[] expertBias;
    private final float[] shared;
    private final int numExperts;
    private final int topK;
    private final double sigma;
    private final double sharedScale;

    private SyntheticRouting(float[] tokenLogits, float[] expertBias, float[] shared, int numExperts, int topK,
            double sigma, double sharedScale) {
        this.tokenLogits = tokenLogits;
        this.expertBias = expertBias;
        this.shared = shared;
        this.numExperts = numExperts;
        this.topK = topK;
        this.sigma = sigma;
        this.sharedScale = sharedScale;
    }

    /**
     * Fits {@code σ} and {@code c} on {@code fitTokens} tokens so that routing by {@code routerWeight}
     * {@code [E, d]} (softmax over the top {@code topK} logits) reproduces {@code target}.
     */
    public static SyntheticRouting fit(NDArray routerWeight, int topK, RouterStatistics target, int fitTokens, long seed) {
        int experts = Math.toIntExact(routerWeight.getShape().get(0));
        int hidden = Math.toIntExact(routerWeight.getShape().get(1));
        Random random = new Random(seed);
        float[] shared = gaussian(random, hidden);
        try (NDManager scratch = routerWeight.getManager().newSubManager()) {
            float[] tokenLogits = logits(scratch, routerWeight, gaussian(random, fitTokens * hidden), fitTokens, hidden);
            float[] expertBias = logits(scratch, routerWeight, shared, 1, hidden);
            SyntheticRouting unfitted = new SyntheticRouting(tokenLogits, expertBias, shared, experts, topK, 1, 0);
            double ratio = ThresholdBisection.solve(
                    r -> unfitted.with(1, r).statistics().loadCv(), target.loadCv(), 0, MAX_RATIO, 0);
            if (Double.isNaN(ratio)) {
                ratio = MAX_RATIO;
            }
            double r = ratio;
            double sigma = ThresholdBisection.solve(
                    s -> unfitted.with(s, s * r).statistics().concentration(), target.concentration(), 0, MAX_SIGMA, 0);
            if (Double.isNaN(sigma)) {
                sigma = MAX_SIGMA;
            }
            return unfitted.with(sigma, sigma * r);
        }
    }

    public double sigma() {
        return sigma;
    }

    /** {@code c}, the weight of the shared direction. */
    public double sharedScale() {
        return sharedScale;
    }

    /** {@code [1, n, d]} hidden states drawn with {@code random}, in {@code manager}. */
    public NDArray hiddenStates(NDManager manager, int n, Random random) {
        int hidden = shared.length;
        float[] x = new float[n * hidden];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < hidden; i++) {
                x[t * hidden + i] = (float) (sigma * random.nextGaussian() + sharedScale * shared[i]);
            }
        }
        return manager.create(x, new Shape(1, n, hidden));
    }

    /** The statistics of the fitted routing on the fit tokens (softmax over each token's top-K logits). */
    public RouterStatistics statistics() {
        int tokens = tokenLogits.length / numExperts;
        long[] experts = new long[tokens * topK];
        float[] weights = new float[tokens * topK];
        float[] logits = new float[numExperts];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < numExperts; e++) {
                logits[e] = (float) (sigma * tokenLogits[t * numExperts + e] + sharedScale * expertBias[e]);
            }
            topKSoftmax(logits, t * topK, experts, weights);
        }
        return RouterStatistics.of(new Routing(null, null, experts, weights, tokens, topK), numExperts);
    }

    private SyntheticRouting with(double newSigma, double newSharedScale) {
        return new SyntheticRouting(tokenLogits, expertBias, shared, numExperts, topK, newSigma, newSharedScale);
    }

    private void topKSoftmax(float[] logits, int at, long[] experts, float[] weights) {
        boolean[] taken = new boolean[logits.length];
        for (int k = 0; k < topK; k++) {
            int best = -1;
            for (int e = 0; e < logits.length; e++) {
                if (!taken[e] && (best < 0 || logits[e] > logits[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            experts[at + k] = best;
        }
        double max = logits[(int) experts[at]];
        double sum = 0;
        for (int k = 0; k < topK; k++) {
            weights[at + k] = (float) Math.exp(logits[(int) experts[at + k]] - max);
            sum += weights[at + k];
        }
        for (int k = 0; k < topK; k++) {
            weights[at + k] /= (float) sum;
        }
    }

    private static float[] logits(NDManager manager, NDArray routerWeight, float[] x, int rows, int hidden) {
        return Linear.linear(manager.create(x, new Shape(rows, hidden)), routerWeight).head().toFloatArray();
    }

    private static float[] gaussian(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
