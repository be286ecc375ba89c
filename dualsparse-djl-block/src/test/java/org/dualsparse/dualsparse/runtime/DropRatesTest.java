package org.dualsparse.dualsparse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.nn.MatrixExpertKernel;
import org.dualsparse.moe.Routing;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two drop rates of {@link DropStats} from known per-expert counts: the decision rate counts
 * a major-only pair as skipping its minor neurons whatever ran; the skipped-work rate counts
 * what the kernels computed, so an expert mixing whole and major-only pairs below {@link
 * MatrixExpertKernel#MIXED_SPLIT_ROWS} rows (one whole-expert pass, minor part masked) skips
 * nothing for its major-only pairs, and from that many rows on (split passes) skips what was
 * decided.
 */
class DropRatesTest {

    /** Tiny Mixtral: 4 experts of 24 neurons, top-2, halves of 12 with P = 2. */
    private static final JsonObject CONFIG = TinyConfigs.mixtral();
    private static final int EXPERTS = 4;
    private static final int NEURONS = 24;
    private static final int MAJOR_NEURONS = 12;
    private static final int HIDDEN = 32;

    /** @param counts each expert's pairs per decision, {@code [expert][decision]} */
    private record Run(long[][] counts, DropStats stats) {}

    @Test
    void mixedExpertsUnderTheSplitRowsSkipOnlyTheirDroppedPairs(@TempDir Path dir) throws IOException {
        Run run = run(dir, 20, new CyclicDecisions());
        long full = 0;
        long major = 0;
        long dropped = 0;
        for (long[] c : run.counts()) {
            long rows = c[PairDecision.FULL] + c[PairDecision.MAJOR];
            assertTrue(c[PairDecision.FULL] > 0 && c[PairDecision.MAJOR] > 0 && rows < MatrixExpertKernel.MIXED_SPLIT_ROWS,
                    "premise: every expert mixes whole and major-only pairs in fewer than 64 rows, got " + rows);
            full += c[PairDecision.FULL];
            major += c[PairDecision.MAJOR];
            dropped += c[PairDecision.DROPPED];
        }
        DropStats.Layer layer = run.stats().layers().get(0);
        long pairs = full + major + dropped;
        assertEquals((full + major) * NEURONS, layer.computedNeuronRows(), "one whole-expert pass per expert");
        assertEquals(new DropRates(
                        (double) (dropped * NEURONS + major * (NEURONS - MAJOR_NEURONS)) / (pairs * NEURONS),
                        (double) (dropped * NEURONS) / (pairs * NEURONS)),
                layer.rates());
        assertTrue(layer.rates().skippedWork() < layer.rates().decision());
    }

    @Test
    void mixedExpertsFromTheSplitRowsOnSkipWhatWasDecided(@TempDir Path dir) throws IOException {
        Run run = run(dir, 400, new CyclicDecisions());
        long full = 0;
        long major = 0;
        long dropped = 0;
        for (long[] c : run.counts()) {
            long rows = c[PairDecision.FULL] + c[PairDecision.MAJOR];
            assertTrue(c[PairDecision.FULL] > 0 && c[PairDecision.MAJOR] > 0 && rows >= MatrixExpertKernel.MIXED_SPLIT_ROWS,
                    "premise: every expert mixes whole and major-only pairs in at least 64 rows, got " + rows);
            full += c[PairDecision.FULL];
            major += c[PairDecision.MAJOR];
            dropped += c[PairDecision.DROPPED];
        }
        DropStats.Layer layer = run.stats().layers().get(0);
        long pairs = full + major + dropped;
        assertEquals(full * NEURONS + major * MAJOR_NEURONS, layer.computedNeuronRows(), "whole rows whole, major-only rows their half");
        double decision = (double) (dropped * NEURONS + major * (NEURONS - MAJOR_NEURONS)) / (pairs * NEURONS);
        assertEquals(new DropRates(decision, decision), layer.rates());
    }

    @Test
    void onAFusedBackendMixedExpertsSkipWhatWasDecidedAtAnyRowCount(@TempDir Path dir) throws IOException {
        Run run = run(dir, 20, new CyclicDecisions(), LoadOptions.of("onnxruntime", "int4", 16, true));
        long full = 0;
        long major = 0;
        long dropped = 0;
        for (long[] c : run.counts()) {
            assertTrue(c[PairDecision.FULL] > 0 && c[PairDecision.MAJOR] > 0
                            && c[PairDecision.FULL] + c[PairDecision.MAJOR] < MatrixExpertKernel.MIXED_SPLIT_ROWS,
                    "premise: every expert mixes whole and major-only pairs in fewer than 64 rows");
            full += c[PairDecision.FULL];
            major += c[PairDecision.MAJOR];
            dropped += c[PairDecision.DROPPED];
        }
        DropStats.Layer layer = run.stats().layers().get(0);
        assertEquals(full * NEURONS + major * MAJOR_NEURONS, layer.computedNeuronRows(),
                "one ONNX Runtime call per expert runs the minor neurons of its whole rows only");
        assertEquals(layer.rates().decision(), layer.rates().skippedWork());
    }

    @Test
    void oneThresholdGivesEqualFigures(@TempDir Path dir) throws IOException {
        DropRates rates = run(dir, 20, ThresholdDropPolicy.global(0.3, 0, 2, false)).stats().rates();
        assertTrue(rates.decision() > 0, "1T at T = 0.3 drops second experts: " + rates);
        assertEquals(rates.decision(), rates.skippedWork(), "1T has no major-only pairs");
    }

    /** Runs the first MoE layer on {@code tokens} random hidden states with {@code policy}. */
    private static Run run(Path dir, int tokens, DropPolicy policy) throws IOException {
        return run(dir, tokens, policy, LoadOptions.defaults());
    }

    private static Run run(Path dir, int tokens, DropPolicy policy, LoadOptions options) throws IOException {
        ReferenceCheckpoints.write(dir, CONFIG, ReferenceWeights.random(CONFIG, 3), DType.F32, false);
        long[][] counts = new long[EXPERTS][3];
        DropPolicy counting = (layer, routing, scores, decisions) -> {
            policy.decide(layer, routing, scores, decisions);
            for (int p = 0; p < decisions.length; p++) {
                counts[(int) routing.experts()[p]][decisions[p]]++;
            }
        };
        float[] x = new float[tokens * HIDDEN];
        Random random = new Random(8);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir, options)) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, counting);
            DualSparseMoeBlock block = ds.blocks().get(0);
            try (NDManager step = lm.model().getNDManager().newSubManager()) {
                block.forward(new ParameterStore(lm.model().getNDManager(), false),
                        new NDList(step.create(x, new Shape(1, tokens, HIDDEN))), false, null);
            }
            return new Run(counts, ds.stats());
        }
    }

    /** Pairs in turn whole, major-only and dropped, so every expert gets each kind. */
    private static final class CyclicDecisions implements DropPolicy {
        @Override
        public void decide(int layer, Routing routing, float[] scores, byte[] decisions) {
            for (int p = 0; p < decisions.length; p++) {
                decisions[p] = new byte[] {PairDecision.FULL, PairDecision.MAJOR, PairDecision.DROPPED}[p % 3];
            }
        }
    }
}
