package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import org.dualsparse.nn.SwiGluMlp;

/**
 * The default MoE computation: pairs grouped by expert, one gather of their tokens, one fused
 * gate/up matmul and one down matmul per used expert, then the outputs weighted and summed back
 * per token by gathering through the inverse permutation.
 */
public final class GroupedMoeBlock extends SparseMoeBlock {

    public GroupedMoeBlock(int layer, Router router, ExpertWeights experts, SharedExpert sharedExpert) {
        super(layer, router, experts, sharedExpert);
    }

    @Override
    protected NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing) {
        ExpertWeights experts = experts();
        PairGrouping groups = PairGrouping.byExpert(routing.experts(), experts.numExperts());
        NDManager step = tokens.getManager();
        NDArray grouped = tokens.get(step.create(groups.tokens(routing.topK())));
        RoutingObserver observer = observer();
        NDList outputs = new NDList();
        for (int e = 0; e < experts.numExperts(); e++) {
            int count = groups.count(e);
            if (count > 0) {
                NDArray rows = grouped.get(new NDIndex("{}:{}", groups.start(e), groups.start(e) + count));
                int expert = e;
                SwiGluMlp.GateUpTap tap = observer == null
                        ? null
                        : (gate, up) -> observer.activations(layer(), expert, gate, up);
                outputs.add(SwiGluMlp.apply(rows, experts.gateUp(e, step), experts.down(e, step), tap));
            }
        }
        NDArray weights = routing.weights().reshape(-1).get(step.create(groups.order()));
        NDArray weighted = NDArrays.concat(outputs, 0).mul(weights.expandDims(1));
        return weighted.get(step.create(groups.inverse()))
                .reshape(routing.numTokens(), routing.topK(), experts.hiddenSize())
                .sum(new int[] {1});
    }
}
