package org.dualsparse.dualsparse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;

/** Scoped changes of the runtime: a policy installed for a block of code, and a window on the drop statistics. */
class DualSparseRuntimeTest {

    private static final long[] IDS = {3, 41, 7, 58, 15, 60};

    /** Tiny Mixtral: top-2, so thresholds below 1/2 keep every token's first expert. */
    private static MoeLanguageModel model() {
        return MoeLanguageModel.random(new HfConfig(TinyConfigs.mixtral(), "mixtral"), 3);
    }

    @Test
    void aPolicyScopePutsBackThePolicyItReplacedEvenWhenItsBodyThrows() {
        try (MoeLanguageModel lm = model()) {
            DropPolicy installed = ThresholdDropPolicy.global(0.2, 0, 2, false);
            DualSparseRuntime runtime = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, installed);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> {
                try (DualSparseRuntime.PolicyScope scope = runtime.using(DropPolicy.NONE)) {
                    assertSame(DropPolicy.NONE, runtime.policy());
                    throw new IllegalStateException("the body fails");
                }
            });
            assertEquals("the body fails", thrown.getMessage());
            assertSame(installed, runtime.policy());
        }
    }

    @Test
    void nestedPolicyScopesUnwindInOrder() {
        try (MoeLanguageModel lm = model()) {
            DropPolicy outer = ThresholdDropPolicy.global(0.1, 0, 2, false);
            DropPolicy inner = ThresholdDropPolicy.global(0.3, 0, 2, false);
            DualSparseRuntime runtime = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.NONE, null, DropPolicy.NONE);
            try (DualSparseRuntime.PolicyScope first = runtime.using(outer)) {
                try (DualSparseRuntime.PolicyScope second = runtime.using(inner)) {
                    assertSame(inner, runtime.policy());
                }
                assertSame(outer, runtime.policy());
            }
            assertSame(DropPolicy.NONE, runtime.policy());
        }
    }

    @Test
    void aStatsWindowCountsTheForwardPassesInsideItOnly() {
        try (MoeLanguageModel lm = model()) {
            DualSparseRuntime runtime = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.NONE, null, DropPolicy.NONE);
            lm.lastLogits(IDS);
            assertEquals(IDS.length, tokens(runtime.stats()), "counted before the window");
            try (StatsWindow window = runtime.measuring()) {
                assertEquals(0, tokens(window.stats()), "the window opens empty");
                lm.lastLogits(IDS);
                lm.lastLogits(IDS);
                assertEquals(2 * IDS.length, tokens(window.stats()));
            }
            assertEquals(0, tokens(runtime.stats()), "nothing of the window shows after it");
        }
    }

    @Test
    void aThreadWindowCountsOnlyTheForwardPassesOfItsThread() throws Exception {
        try (MoeLanguageModel lm = model()) {
            DualSparseRuntime runtime = DualSparseRuntime.apply(
                    lm.block(), Partition.halves(2), Reconstruction.NONE, null, ThresholdDropPolicy.global(0.3, 0, 2, false));
            long[] other = {5, 6, 7};
            try (StatsWindow mine = runtime.measuringThisThread()) {
                Thread neighbour = new Thread(() -> {
                    try (StatsWindow theirs = runtime.measuringThisThread()) {
                        lm.lastLogits(other);
                        assertEquals(other.length, tokens(theirs.stats()));
                    }
                });
                neighbour.start();
                lm.lastLogits(IDS);
                neighbour.join();
                assertEquals(IDS.length, tokens(mine.stats()), "the neighbour's passes are not counted here");
                assertEquals(IDS.length + other.length, tokens(runtime.stats()), "the model counts every thread");
                assertThrows(IllegalStateException.class, runtime::measuringThisThread);
                DropStats.Layer alone = mine.stats().layers().get(0);
                try (StatsWindow again = runtime.measuring()) {
                    lm.lastLogits(IDS);
                    DropStats.Layer serial = again.stats().layers().get(0);
                    assertEquals(serial.dropped(), alone.dropped());
                    assertEquals(serial.major(), alone.major());
                }
            }
            lm.lastLogits(IDS);
            try (StatsWindow reopened = runtime.measuringThisThread()) {
                assertEquals(0, tokens(reopened.stats()), "a closed window counts nothing more");
            }
        }
    }

    /** Tokens the first MoE layer routed. */
    private static long tokens(DropStats stats) {
        return stats.layers().get(0).tokens();
    }
}
