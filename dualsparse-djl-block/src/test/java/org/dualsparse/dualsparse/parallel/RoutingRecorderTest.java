package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dualsparse.dualsparse.CalibratedModels;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Observation;
import org.dualsparse.moe.SparseMoeBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Routing is observed on the model as loaded, and equals what a model partitioned into one
 * sub-expert per expert in checkpoint order (how it used to be observed) records.
 */
class RoutingRecorderTest {

    private static final int MAX_LENGTH = 32;

    @ParameterizedTest
    @ValueSource(strings = {"olmoe-tiny", "qwen2-moe-tiny", "deepseek-v2-tiny"})
    void theUnpartitionedModelRecordsWhatTheWholeExpertPartitionRecords(String preset) {
        List<long[]> tokens = CalibratedModels.tokens(256, 4, 50, 9);
        List<LayerRouting> observed;
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load(preset, 2), 5)) {
            observed = RoutingRecorder.record(lm, tokens, MAX_LENGTH);
        }
        List<LayerRouting> partitioned;
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load(preset, 2), 5)) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(1), Reconstruction.NONE, null, DropPolicy.NONE);
            partitioned = RoutingRecorder.record(lm, ds, tokens, MAX_LENGTH);
        }
        assertEquals(partitioned.size(), observed.size());
        assertTrue(!observed.isEmpty());
        for (int i = 0; i < observed.size(); i++) {
            assertEquals(partitioned.get(i).layer(), observed.get(i).layer());
            assertArrayEquals(partitioned.get(i).routing().experts(), observed.get(i).routing().experts());
            assertArrayEquals(partitioned.get(i).routing().hostWeights(), observed.get(i).routing().hostWeights());
        }
    }

    @Test
    void anObservationEndsWhenClosedAndBlocksTakeOneObserverAtATime() {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            RoutingRecorder recorder = new RoutingRecorder();
            SparseMoeBlock first = MoeBlocks.of(lm.block()).get(0);
            try (Observation watch = MoeBlocks.observe(lm.block(), recorder)) {
                assertThrows(IllegalStateException.class, () -> first.observe(new RoutingRecorder()));
                lm.lastLogits(new long[] {1, 2, 3});
            }
            assertEquals(MoeBlocks.of(lm.block()).size(), recorder.batches().size());
            lm.lastLogits(new long[] {1, 2, 3});
            assertEquals(MoeBlocks.of(lm.block()).size(), recorder.batches().size());
            try (Observation again = first.observe(new RoutingRecorder())) {
                assertThrows(IllegalStateException.class, () -> MoeBlocks.observe(lm.block(), recorder));
            }
            try (Observation afterRefusal = MoeBlocks.observe(lm.block(), recorder)) {
                lm.lastLogits(new long[] {4});
            }
        }
    }

    @Test
    void threadsSharingAModelEachObserveTheirOwnForwardPasses() throws Exception {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            RoutingRecorder mine = new RoutingRecorder();
            RoutingRecorder theirs = new RoutingRecorder();
            try (Observation watch = MoeBlocks.observe(lm.block(), mine)) {
                Thread neighbour = new Thread(() -> {
                    try (Observation other = MoeBlocks.observe(lm.block(), theirs)) {
                        lm.lastLogits(new long[] {9, 8});
                    }
                });
                neighbour.start();
                neighbour.join();
                lm.lastLogits(new long[] {1, 2, 3});
            }
            int layers = MoeBlocks.of(lm.block()).size();
            assertEquals(layers, mine.batches().size());
            assertEquals(layers, theirs.batches().size());
            assertEquals(3, mine.batches().get(0).routing().numTokens());
            assertEquals(2, theirs.batches().get(0).routing().numTokens());
        }
    }

    @Test
    void calibrationRefusesAModelDualSparseAlreadyPartitioned() {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.NONE, null, DropPolicy.NONE);
            assertThrows(IllegalArgumentException.class, () -> Calibrator.attach(lm));
        }
    }
}
