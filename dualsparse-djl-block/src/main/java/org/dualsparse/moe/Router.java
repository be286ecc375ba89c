package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.nn.MatrixBlock;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.nn.WeightSource;

/**
 * The softmax top-K router: {@code softmax(x·Wgᵀ)} over all experts, optionally restricted to
 * each token's best expert groups, the K largest kept, renormalised over those K when {@code
 * normTopKProb} is set, then multiplied by the routed scaling factor.
 */
public final class Router extends MatrixBlock {

    /**
     * The routing rule of one MoE layer. The family resolves its own conditions into these
     * fields (DeepSeek renormalises only when K > 1, and scales only when it does not
     * renormalise).
     *
     * @param normTopKProb divide the K weights by their sum (DeepSeek adds 1e-20 to that sum; a
     *     sum of the K largest of E probabilities is at least K/E, so the term is below half an
     *     ulp and left out)
     * @param routedScalingFactor multiplies the final weights (DeepSeek-V2's {@code
     *     routed_scaling_factor})
     * @param expertGroups experts are split into this many equal groups of consecutive ids ({@code
     *     n_group})
     * @param groupsPerToken each token chooses among the experts of its this many best groups, a
     *     group scoring its best expert ({@code topk_group}); equal to {@code expertGroups} for
     *     plain top-K
     */
    public record Spec(
            int numExperts, int topK, boolean normTopKProb, double routedScalingFactor, int expertGroups, int groupsPerToken) {

        public Spec {
            if (expertGroups <= 0 || numExperts % expertGroups != 0) {
                throw new IllegalArgumentException(numExperts + " experts do not split into " + expertGroups + " groups");
            }
            if (groupsPerToken <= 0 || groupsPerToken > expertGroups) {
                throw new IllegalArgumentException("cannot choose " + groupsPerToken + " of " + expertGroups + " expert groups");
            }
            if (topK > groupsPerToken * (numExperts / expertGroups)) {
                throw new IllegalArgumentException(
                        "cannot choose " + topK + " experts from " + groupsPerToken + " groups of " + numExperts / expertGroups);
            }
        }

        /** Plain top-K of {@code numExperts}, unscaled. */
        public Spec(int numExperts, int topK, boolean normTopKProb) {
            this(numExperts, topK, normTopKProb, 1, 1, 1);
        }

        public Spec withRoutedScalingFactor(double factor) {
            return new Spec(numExperts, topK, normTopKProb, factor, expertGroups, groupsPerToken);
        }

        /** DeepSeek's {@code group_limited_greedy}: top-K among the experts of each token's {@code chosen} best of {@code groups} groups. */
        public Spec withGroupLimit(int groups, int chosen) {
            return new Spec(numExperts, topK, normTopKProb, routedScalingFactor, groups, chosen);
        }
    }

    private final Spec spec;
    private final WeightMatrix gate;

    /** Loads the {@code [E, d]} router weight {@code name}. */
    public Router(Spec spec, WeightSource w, String name, int hiddenSize) {
        this.spec = spec;
        NDArray weight = w.load(name, spec.numExperts(), hiddenSize);
        gate = matrix(TorchMatrices.BACKEND, "weight", weight);
    }

    public Spec spec() {
        return spec;
    }

    /** Routes the rows of {@code tokens} {@code [N, d]}. */
    public Routing route(ParameterStore ps, NDArray tokens) {
        NDArray probs = gate.linear(tokens).softmax(-1);
        NDList top = inBestGroups(probs).topK(spec.topK(), -1, true, true);
        NDArray weights = top.get(0);
        if (spec.normTopKProb()) {
            weights = weights.div(weights.sum(new int[] {-1}, true));
        }
        if (spec.routedScalingFactor() != 1) {
            weights = Scalars.mul(weights, spec.routedScalingFactor());
        }
        return new Routing(
                probs,
                weights,
                top.get(1).toLongArray(),
                weights.toFloatArray(),
                Math.toIntExact(tokens.getShape().get(0)),
                spec.topK());
    }

    /** {@code probs} {@code [N, E]} with every expert outside the token's best groups set to 0. */
    private NDArray inBestGroups(NDArray probs) {
        if (spec.groupsPerToken() == spec.expertGroups()) {
            return probs;
        }
        long tokens = probs.getShape().get(0);
        NDArray grouped = probs.reshape(tokens, spec.expertGroups(), -1);
        NDArray bestGroups = grouped.max(new int[] {-1}).topK(spec.groupsPerToken(), -1, true, false).get(1);
        NDArray keep = bestGroups.oneHot(spec.expertGroups()).sum(new int[] {1}).expandDims(-1);
        return grouped.mul(keep).reshape(tokens, spec.numExperts());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(route(ps, inputs.singletonOrThrow()).weights());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), spec.topK())};
    }
}
