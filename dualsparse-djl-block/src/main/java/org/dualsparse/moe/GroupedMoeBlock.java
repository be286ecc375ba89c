package org.dualsparse.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import org.dualsparse.nn.SwiGluMlp;

/**
 * The default MoE computation: pairs grouped by expert, one gather of their tokens, one {@link
 * org.dualsparse.nn.ExpertKernel} run per used expert, then the outputs weighted and summed back
 * per token by gathering through the inverse permutation ({@link RoutedCombine}).
 */
public final class GroupedMoeBlock extends SparseMoeBlock {

    private final ExpertWeights experts;

    public GroupedMoeBlock(int layer, Router router, ExpertWeights experts, SharedExpert sharedExpert) {
        super(layer, router, experts, sharedExpert);
        this.experts = experts;
    }

    public ExpertWeights experts() {
        return experts;
    }

    @Override
    protected NDArray routedOutput(ParameterStore ps, NDArray tokens, Routing routing) {
        PairGrouping groups = PairGrouping.byExpert(routing.experts(), experts.numExperts());
        RoutingObserver observer = observer();
        return RoutedCombine.sum(tokens, routing, groups, 1, (e, rows) -> expert(e, rows, observer));
    }

    /** Expert {@code e} on its grouped rows, showing its gate and up projections to {@code observer} if one is attached. */
    private NDArray expert(int e, NDArray rows, RoutingObserver observer) {
        SwiGluMlp.GateUpTap tap = observer == null ? null : (gate, up) -> observer.activations(layer(), e, gate, up);
        return experts.kernel(e).apply(rows, Math.toIntExact(rows.getShape().get(0)), tap);
    }
}
