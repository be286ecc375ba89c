package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.decoder.TokenBatch;
import org.junit.jupiter.api.Test;

/** DJL's NDList entry point of {@link CausalLmBlock} and its typed host entry point compute the same bits. */
class EntryPointsTest {

    private static final long[][] IDS = {{0, 5, 6, 7}, {9, 10, 11, 12}};
    private static final long[][] POSITIONS = {{1, 0, 1, 2}, {0, 1, 2, 3}};
    private static final long[][] MASK = {{0, 1, 1, 1}, {1, 1, 1, 1}};

    @Test
    void ndListAndHostArraysGiveTheSameLogitsAndRouterLoss() {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("deepseek-v2-tiny", 1), 3);
                NDManager step = lm.model().getNDManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            PairList<String, Object> params = new PairList<>();
            params.add(CausalLmBlock.ROUTER_LOSS, true);
            NDList viaDjl = lm.block().forward(
                    ps, new NDList(step.create(IDS), step.create(POSITIONS), step.create(MASK)), false, params);
            CausalLmBlock.Output typed = lm.block().forward(
                    ps, step, new TokenBatch(IDS, POSITIONS, MASK), null, false, true);

            assertArrayEquals(viaDjl.get(0).toFloatArray(), typed.logits().toFloatArray());
            assertEquals(viaDjl.get(1).getFloat(), typed.routerLoss().getFloat());
        }
    }
}
