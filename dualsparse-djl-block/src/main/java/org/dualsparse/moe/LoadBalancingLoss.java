package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import org.dualsparse.nn.Scalars;

/**
 * The auxiliary load-balancing loss of Switch Transformer / Mixtral for one MoE layer: {@code E ·
 * Σ_e f_e · P_e}, where {@code f_e} is the number of the batch's token-expert pairs routed to
 * expert {@code e} divided by the number of tokens, and {@code P_e} the router's mean softmax
 * probability for {@code e}. It is {@code K} when routing is uniform and grows as it concentrates;
 * only {@code P} carries gradient. HF's {@code load_balancing_loss_func} computes the same sum
 * over all layers' tokens at once; here each layer is balanced on its own.
 */
public final class LoadBalancingLoss {

    private LoadBalancingLoss() {}

    /** The loss of {@code routing}, a scalar in its probabilities' manager. */
    public static NDArray of(Routing routing, int numExperts) {
        if (routing.probabilities() == null) {
            throw new IllegalArgumentException("routing without router probabilities has no load-balancing loss");
        }
        float[] fractions = new float[numExperts];
        for (long expert : routing.experts()) {
            fractions[(int) expert] += 1f / routing.numTokens();
        }
        NDArray meanProbabilities = routing.probabilities().mean(new int[] {0});
        NDArray f = meanProbabilities.getManager().create(fractions);
        return Scalars.mul(meanProbabilities.mul(f).sum(), numExperts);
    }
}
