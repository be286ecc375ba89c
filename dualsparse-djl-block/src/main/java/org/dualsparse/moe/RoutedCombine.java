package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The routed output {@code Σ_k w_k · expert_k(x)} of every token, from pairs grouped by a {@link
 * PairGrouping}: one gather of the grouped pairs' tokens, one run of each used expert on all of
 * its rows, the outputs concatenated, multiplied by the pairs' gate weights, gathered back into
 * pair order through the inverse permutation and summed over each token's {@code K} pairs. A
 * dropped pair gathers a zero row and adds nothing.
 */
public final class RoutedCombine {

    /** What expert {@code expert} computes on its grouped token rows {@code [n, d]}: {@code [n, d]}. */
    @FunctionalInterface
    public interface Expert {
        NDArray run(int expert, NDArray rows);
    }

    private RoutedCombine() {}

    /**
     * @param tokens {@code [N, d]}
     * @param groups the pairs of {@code routing} grouped into {@code bucketsPerExpert} buckets per
     *     expert, expert {@code e}'s being buckets {@code [e·b, (e+1)·b)}: its rows, one run
     * @return {@code [N, d]} in {@code tokens}' manager
     */
    public static NDArray sum(NDArray tokens, Routing routing, PairGrouping groups, int bucketsPerExpert, Expert expert) {
        NDManager step = tokens.getManager();
        long hidden = tokens.getShape().get(1);
        NDArray rows;
        if (groups.kept() == 0) {
            rows = step.zeros(new Shape(1, hidden));
        } else {
            NDArray grouped = tokens.get(step.create(groups.tokens(routing.topK())));
            NDList outputs = new NDList();
            for (int e = 0; e < groups.buckets() / bucketsPerExpert; e++) {
                int from = groups.start(e * bucketsPerExpert);
                int to = groups.start((e + 1) * bucketsPerExpert);
                if (to > from) {
                    outputs.add(expert.run(e, grouped.get(new NDIndex("{}:{}", from, to))));
                }
            }
            NDArray weights = routing.weights().reshape(-1).get(step.create(groups.order()));
            rows = NDArrays.concat(outputs, 0).mul(weights.expandDims(1));
            if (groups.dropped() > 0) {
                rows = NDArrays.concat(new NDList(rows, step.zeros(new Shape(1, hidden))), 0);
            }
        }
        return rows.get(step.create(groups.inverse()))
                .reshape(routing.numTokens(), routing.topK(), hidden)
                .sum(new int[] {1});
    }
}
