package org.dualsparse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageModelTrainerTest {

    private static final int VOCAB = 96;

    /** A sequence with a period-7 pattern: learnable, but not from unigram counts alone. */
    private static long[][] patternBatch(SplittableRandom random, int batch, int length) {
        long[][] tokens = new long[batch][length];
        for (long[] row : tokens) {
            int phase = random.nextInt(7);
            for (int i = 0; i < length; i++) {
                row[i] = 3 + ((i + phase) % 7) * 11;
            }
        }
        return tokens;
    }

    private static TrainingOptions options(int steps) {
        return new TrainingOptions(4, 16, steps, 5, 1e-2f, 1e-3f, 0.01f, 1f, 0.02f, 7);
    }

    @Test
    void theProjectsBlocksLearnAPatternAndTheRouterLossIsReported() {
        HfConfig config = new HfConfig(TinyConfigs.mixtral(), "mixtral");
        try (MoeLanguageModel lm = MoeLanguageModel.create(config, m -> new TrainableWeights(m, 3, 0.02))) {
            LanguageModelTrainer trainer = new LanguageModelTrainer(lm, options(60));
            SplittableRandom random = new SplittableRandom(1);
            long[][] heldout = patternBatch(new SplittableRandom(99), 4, 17);
            float before = trainer.evaluate(heldout);
            LanguageModelTrainer.StepLoss first = trainer.step(patternBatch(random, 4, 17));
            LanguageModelTrainer.StepLoss last = first;
            for (int step = 1; step < 60; step++) {
                last = trainer.step(patternBatch(random, 4, 17));
                assertTrue(Float.isFinite(last.gradientNorm()), "finite gradients at step " + step);
            }
            float after = trainer.evaluate(heldout);
            assertEquals(Math.log(VOCAB), before, 0.3, "a fresh model predicts about uniformly");
            assertTrue(after < 0.5, "held-out loss after training: " + after);
            // Mixtral tiny: 4 experts, top-2; the loss is K for perfectly balanced routing and at most K·E.
            assertTrue(first.router() >= 1.9 && first.router() <= 8.0, "router loss " + first.router());
            assertThrows(IllegalStateException.class, () -> trainer.step(patternBatch(random, 4, 17)), "the schedule is over");
        }
    }

    @Test
    void trainedWeightsWrittenAsACheckpointLoadToTheSameModel(@TempDir Path dir) throws IOException {
        HfConfig config = new HfConfig(TinyConfigs.mixtralTied(), "mixtral-tied");
        TrainableWeights[] weights = new TrainableWeights[1];
        long[] ids = {5, 9, 17, 33, 2, 41};
        float[] trained;
        try (MoeLanguageModel lm = MoeLanguageModel.create(config, m -> weights[0] = new TrainableWeights(m, 5, 0.05))) {
            LanguageModelTrainer trainer = new LanguageModelTrainer(lm, options(8));
            SplittableRandom random = new SplittableRandom(2);
            for (int step = 0; step < 8; step++) {
                trainer.step(patternBatch(random, 4, 17));
            }
            trained = lm.lastLogits(ids);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), weights[0].tensors(), DType.F32, Map.of("format", "pt"));
        }
        Files.writeString(dir.resolve("config.json"), config.json().toString());
        try (MoeLanguageModel loaded = MoeLanguageModel.load(dir)) {
            float[] reloaded = loaded.lastLogits(ids);
            // The same weights bit for bit, but trainable parameters and loaded tensors differ in layout, so
            // libtorch may run other kernels: compare at 1e-5 of the logit scale, as the parity tests do.
            float scale = 0;
            float diff = 0;
            for (int i = 0; i < trained.length; i++) {
                scale = Math.max(scale, Math.abs(trained[i]));
                diff = Math.max(diff, Math.abs(trained[i] - reloaded[i]));
            }
            assertTrue(scale > 0 && diff <= 1e-5f * scale, "max |Δlogit| " + diff + " at logit scale " + scale);
        }
    }

    @Test
    void stepsLeaveNoArraysBehindInTheModel() {
        HfConfig config = new HfConfig(TinyConfigs.mixtral(), "mixtral");
        try (MoeLanguageModel lm = MoeLanguageModel.create(config, m -> new TrainableWeights(m, 3, 0.02))) {
            LanguageModelTrainer trainer = new LanguageModelTrainer(lm, options(30));
            SplittableRandom random = new SplittableRandom(4);
            for (int step = 0; step < 5; step++) {
                trainer.step(patternBatch(random, 4, 17));
            }
            int arrays = lm.model().getNDManager().getManagedArrays().size();
            for (int step = 5; step < 30; step++) {
                trainer.step(patternBatch(random, 4, 17));
            }
            assertEquals(arrays, lm.model().getNDManager().getManagedArrays().size(), "optimizer state is made once; gradients are scoped");
        }
    }

    @Test
    void everyTensorIsInitialisedByItsKind() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            TrainableWeights w = new TrainableWeights(manager, 1, 0.02);
            w.load("model.norm.weight", 8);
            w.load("model.layers.0.self_attn.q_proj.bias", 8);
            w.load("model.layers.0.self_attn.q_proj.weight", 64, 64);
            var tensors = w.tensors();
            for (float v : tensors.get(0).data()) {
                assertEquals(1f, v);
            }
            for (float v : tensors.get(1).data()) {
                assertEquals(0f, v);
            }
            double sumSquares = 0;
            for (float v : tensors.get(2).data()) {
                sumSquares += v * v;
            }
            assertEquals(0.02, Math.sqrt(sumSquares / (64 * 64)), 0.002);
        }
    }
}
