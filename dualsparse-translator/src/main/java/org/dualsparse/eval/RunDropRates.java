package org.dualsparse.eval;

import java.util.Optional;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;

/** The drop rates of one evaluation run, when DualSparse is applied to the model: its statistics count from the run's start. */
final class RunDropRates {

    private final Optional<DualSparseRuntime> dualSparse;

    private RunDropRates(Optional<DualSparseRuntime> dualSparse) {
        this.dualSparse = dualSparse;
    }

    /** Resets the model's drop statistics, if it has any. */
    static RunDropRates start(MoeLanguageModel lm) {
        Optional<DualSparseRuntime> dualSparse = DualSparseRuntime.of(lm.block());
        dualSparse.ifPresent(d -> d.stats().reset());
        return new RunDropRates(dualSparse);
    }

    /** The decision and skipped-work drop rates since {@link #start}; empty for a model without DualSparse. */
    Optional<DropRates> finish() {
        return dualSparse.map(d -> d.stats().rates());
    }
}
