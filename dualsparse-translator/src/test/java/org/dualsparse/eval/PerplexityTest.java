package org.dualsparse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Perplexity equals the exponential of a brute-force mean NLL over the same windows; windows leave nothing behind. */
class PerplexityTest {

    private static final int WINDOW = 8;
    private static final int SHIPPED_WINDOW = 128;

    @TempDir
    static Path dir;

    static Path model;
    static List<long[]> documents;

    @BeforeAll
    static void writeModelAndText() throws IOException {
        model = TinyModels.qwen(dir.resolve("qwen"));
        Path text = Files.writeString(dir.resolve("heldout.txt"),
                "In the beginning was the word, and the word was with the model.\nIt ran on two cores.\n\n \n"
                        + "Short one.\n\nx\n");
        try (TextTokenizer tokenizer = TextTokenizer.load(model)) {
            documents = TextDocuments.tokenize(TextDocuments.read(text), tokenizer);
        }
    }

    @Test
    void documentsAreSplitAtBlankLines() {
        assertEquals(3, documents.size());
        assertTrue(documents.get(0).length > 2 * WINDOW, "the first document spans several windows");
    }

    @Test
    void perplexityIsExpOfTheBruteForceMeanNll() {
        try (MoeLanguageModel lm = MoeLanguageModel.load(model)) {
            BaseNDManager weights = (BaseNDManager) lm.model().getNDManager();
            int arrays = weights.getManagedArrays().size();
            Perplexity.Result result = new Perplexity(lm, WINDOW).measure(documents, null);

            double nll = 0;
            long tokens = 0;
            for (long[] document : documents) {
                // Windows feed tokens [s, s+8) and score [s+1, s+9), s = 0, 8, 16, ...; the document's first token is unscored.
                for (int start = 0; start + 1 < document.length; start += WINDOW) {
                    long[] inputs = Arrays.copyOfRange(document, start, Math.min(start + WINDOW, document.length - 1));
                    float[][] logits = logits(lm, inputs);
                    for (int i = 0; i < inputs.length; i++) {
                        nll -= logSoftmax(logits[i], (int) document[start + i + 1]);
                        tokens++;
                    }
                }
            }
            assertEquals(documents.stream().mapToLong(d -> d.length - 1).sum(), tokens);
            assertEquals(tokens, result.tokens());
            // Same forward passes; Perplexity takes libtorch's float32 log-softmax, this a float64 one of the
            // same logits: each log-probability is a few float32 ulps of itself apart.
            System.out.printf("perplexity mean NLL %.7f brute force %.7f relative Δ %.1e%n", result.meanNll(), nll / tokens,
                    Math.abs(result.meanNll() - nll / tokens) / (nll / tokens));
            assertEquals(nll / tokens, result.meanNll(), 1e-6 * nll / tokens);
            assertEquals(Math.exp(result.meanNll()), result.perplexity(), 1e-12 * result.perplexity());
            assertFalse(result.dropRates().isPresent(), "no DualSparse, no drop rate");
            assertEquals(arrays, weights.getManagedArrays().size(), "arrays left in the model's manager");
        }
    }

    /**
     * On the shipped trained model (a random one has nothing to lose), dropping a fifth of the routed
     * work costs the first held-out chapter far more than float32 rounding could move its mean NLL.
     */
    @Test
    void aDroppingModelReportsItsDropRateAndScoresWorse() {
        Path shipped = Path.of("..", "models", "kjv-moe");
        List<long[]> chapter;
        try (TextTokenizer tokenizer = TextTokenizer.load(shipped)) {
            chapter = TextDocuments.tokenize(TextDocuments.read(shipped.resolve("eval").resolve("heldout.txt")), tokenizer)
                    .subList(0, 1);
        }
        double undropped;
        try (MoeLanguageModel lm = MoeLanguageModel.load(shipped)) {
            undropped = new Perplexity(lm, SHIPPED_WINDOW).measure(chapter, null).meanNll();
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(shipped)) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.WEIGHT, null,
                    ThresholdDropPolicy.global(0.15, 0, 4, false));
            List<Long> progress = new ArrayList<>();
            Perplexity.Result dropped = new Perplexity(lm, SHIPPED_WINDOW).measure(chapter, (done, total) -> progress.add(done));
            System.out.printf("perplexity shipped chapter 1: mean NLL %.5f undropped, %.5f at drop rate %.3f%n",
                    undropped, dropped.meanNll(), dropped.dropRates().orElseThrow().decision());
            assertTrue(dropped.dropRates().orElseThrow().decision() > 0.1, "drop rates " + dropped.dropRates());
            assertEquals(ds.stats().rates(), dropped.dropRates().orElseThrow(), "the run's own statistics");
            assertTrue(dropped.meanNll() > undropped + 0.01,
                    "dropping costs at least 0.01 nats per token: " + dropped.meanNll() + " vs undropped " + undropped);
            assertEquals(dropped.tokens(), progress.get(progress.size() - 1));
        }
    }

    private static float[][] logits(MoeLanguageModel lm, long[] inputs) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            float[] flat = lm.forward(step, new long[][] {inputs}, null, null, false).toFloatArray();
            int vocab = flat.length / inputs.length;
            float[][] rows = new float[inputs.length][];
            for (int i = 0; i < inputs.length; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
            }
            return rows;
        }
    }

    private static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
