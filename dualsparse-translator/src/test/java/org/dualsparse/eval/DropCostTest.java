package org.dualsparse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Next-token KL and top-1 agreement against the undropped model: none at drop rate 0, some when dropping. */
class DropCostTest {

    @TempDir
    Path dir;

    @Test
    void nothingDroppedCostsNothingAndDroppingCostsSomething() {
        Path model = TinyModels.qwen(dir.resolve("qwen"));
        try (MoeLanguageModel lm = MoeLanguageModel.load(model); TextTokenizer tokenizer = TextTokenizer.load(model)) {
            List<long[]> documents = TextDocuments.tokenize(
                    List.of("the world and the rest of it, in a world", "Hello world, hello again"), tokenizer);
            ThresholdDropPolicy installed = ThresholdDropPolicy.global(0.3, 0, 2, false);
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null, installed);
            long tokens = documents.stream().mapToLong(d -> d.length).sum();

            for (DropPolicy nothing : List.of(DropPolicy.NONE, ThresholdDropPolicy.global(0, 0, 2, false))) {
                DropCost.Result free = DropCost.measure(lm, ds, nothing, documents, 8, null);
                assertEquals(0, free.kl(), nothing.toString());
                assertEquals(1, free.top1Agreement(), nothing.toString());
                assertEquals(DropRates.NONE, free.dropRates(), nothing.toString());
                assertEquals(tokens, free.tokens());
            }

            DropCost.Result dropping = DropCost.measure(lm, ds, ThresholdDropPolicy.global(0.45, 0, 2, false), documents, 8, null);
            assertTrue(dropping.kl() > 0, "KL " + dropping.kl());
            assertTrue(dropping.dropRates().decision() > 0.05, "drop rates " + dropping.dropRates());
            assertTrue(dropping.top1Agreement() > 0 && dropping.top1Agreement() <= 1, "agreement " + dropping.top1Agreement());
            assertSame(installed, ds.policy(), "the model's own policy is restored");
        }
    }
}
