package org.dualsparse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.dualsparse.decoder.InvalidInputException;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.GreedyMargin;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {

    @TempDir
    static Path dir;

    static MoeLanguageModel qwen;
    static TextTokenizer qwenTokenizer;
    static Generator qwenGenerator;
    static MoeLanguageModel mixtral;
    static TextTokenizer mixtralTokenizer;
    static Generator mixtralGenerator;

    @BeforeAll
    static void load() {
        Path qwenDir = TinyModels.qwen(dir.resolve("qwen"));
        qwen = MoeLanguageModel.load(qwenDir);
        qwenTokenizer = TextTokenizer.load(qwenDir);
        qwenGenerator = new Generator(qwen, qwenTokenizer);
        Path mixtralDir = TinyModels.mixtral(dir.resolve("mixtral"));
        mixtral = MoeLanguageModel.load(mixtralDir);
        mixtralTokenizer = TextTokenizer.load(mixtralDir);
        mixtralGenerator = new Generator(mixtral, mixtralTokenizer);
    }

    @AfterAll
    static void close() {
        qwenTokenizer.close();
        qwen.close();
        mixtralTokenizer.close();
        mixtral.close();
    }

    @Test
    void greedyTokensAreTheArgmaxOfUncachedLogitsAtEveryStep() {
        for (MoeLanguageModel lm : List.of(qwen, mixtral)) {
            Generator generator = lm == qwen ? qwenGenerator : mixtralGenerator;
            TextTokenizer tokenizer = lm == qwen ? qwenTokenizer : mixtralTokenizer;
            long[] prompt = tokenizer.encode("Hello world, the world", true);
            Generation generation = generator.generate(new Prompt(prompt, GenerationOptions.greedy(12)));
            long[] sequence = prompt;
            for (long token : generation.tokenIds()) {
                float[] logits = lm.lastLogits(sequence);
                GreedyMargin.assertDecidable(logits, "uncached step " + sequence.length);
                assertEquals(Sampler.argMax(logits), token);
                sequence = append(sequence, token);
            }
            if (generation.finishReason() == FinishReason.EOS) {
                assertTrue(lm.generationConfig().eosTokenIds().contains(Sampler.argMax(lm.lastLogits(sequence))));
            } else {
                assertEquals(12, generation.tokenIds().length);
            }
            assertEquals(tokenizer.decode(generation.tokenIds()), generation.text());
        }
    }

    @Test
    void streamedPiecesConcatenateToTheText() {
        for (Generator generator : List.of(qwenGenerator, mixtralGenerator)) {
            TextTokenizer tokenizer = generator == qwenGenerator ? qwenTokenizer : mixtralTokenizer;
            GenerationOptions options = sampling(11).maxNewTokens(40).build();
            long[] prompt = tokenizer.encode("the world", true);
            List<String> pieces = new ArrayList<>();
            Generation streamed = generator.generate(new Prompt(prompt, options, pieces::add));
            Generation plain = generator.generate(new Prompt(prompt, options));
            // One path, the same shapes and kernels, run twice: equal bit for bit.
            assertEquals(plain.text(), String.join("", pieces));
            assertEquals(plain.text(), streamed.text());
            assertArrayEquals(plain.tokenIds(), streamed.tokenIds());
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        long[] prompt = qwenTokenizer.encode("Hello", true);
        Generation a = qwenGenerator.generate(new Prompt(prompt, sampling(42).build()));
        Generation b = qwenGenerator.generate(new Prompt(prompt, sampling(42).build()));
        Generation c = qwenGenerator.generate(new Prompt(prompt, sampling(43).build()));
        // The same path twice: libtorch on CPU is deterministic for the same shapes, so the draws see equal logits.
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertFalse(Arrays.equals(a.tokenIds(), c.tokenIds()), "another seed draws other tokens");
    }

    @Test
    void stopStringsCutTheTextBeforeThem() {
        long[] prompt = qwenTokenizer.encode("the world", true);
        GenerationOptions options = sampling(5).maxNewTokens(40).build();
        Generation whole = qwenGenerator.generate(new Prompt(prompt, options));
        assertTrue(whole.text().length() > 8, "need a longer text: " + whole.text());
        String stop = whole.text().substring(5, 7);
        List<String> pieces = new ArrayList<>();
        Generation cut = qwenGenerator.generate(new Prompt(prompt, options.toBuilder().stopStrings("no such text", stop).build(), pieces::add));
        assertEquals(whole.text().substring(0, whole.text().indexOf(stop)), cut.text());
        assertEquals(FinishReason.STOP_STRING, cut.finishReason());
        assertEquals(cut.text(), String.join("", pieces));
    }

    @Test
    void aBatchGeneratesWhatEachPromptGeneratesAlone() {
        List<Prompt> prompts = List.of(
                new Prompt(mixtralTokenizer.encode("Hello", true), GenerationOptions.greedy(10)),
                new Prompt(mixtralTokenizer.encode("the world and the rest of it", true),
                        GenerationOptions.greedy(10).toBuilder().temperature(1.0).topK(2).seed(3L).build()),
                new Prompt(mixtralTokenizer.encode("in a", true), GenerationOptions.greedy(4)));
        List<Generation> batch = mixtralGenerator.generate(prompts);
        for (int i = 0; i < prompts.size(); i++) {
            Generation alone = mixtralGenerator.generate(prompts.get(i));
            GenerationOptions options = prompts.get(i).options();
            SplittableRandom draws = options.isGreedy() ? null : new SplittableRandom(options.seed());
            long[] sequence = prompts.get(i).ids();
            for (long token : alone.tokenIds()) {
                float[] logits = mixtral.lastLogits(sequence);
                String what = "prompt " + i + " step " + sequence.length;
                if (draws == null) {
                    GreedyMargin.assertDecidable(logits, what);
                } else {
                    assertTopTwoDrawDecidable(logits, draws.nextDouble(), what);
                }
                sequence = append(sequence, token);
            }
            assertArrayEquals(alone.tokenIds(), batch.get(i).tokenIds(), "prompt " + i);
            assertEquals(alone.text(), batch.get(i).text());
            assertEquals(alone.finishReason(), batch.get(i).finishReason());
        }
        assertNotEquals(batch.get(0).tokenIds().length, batch.get(2).tokenIds().length);
    }

    @Test
    void generationStopsWhereTheModelsPositionsEnd() {
        long[] prompt = new long[qwen.config().decoder().maxPositions() - 3];
        Arrays.fill(prompt, qwenTokenizer.tokenId("a").orElseThrow());
        Generation generation = qwenGenerator.generate(new Prompt(prompt, GenerationOptions.greedy(100)));
        assertTrue(generation.tokenIds().length <= 4, "positions left: 3, plus the token predicted at the last one");
    }

    @Test
    void maxNewTokensInTheBillionsStopsWhereThePositionsEnd() {
        long[] prompt = new long[qwen.config().decoder().maxPositions() - 5];
        Arrays.fill(prompt, qwenTokenizer.tokenId("a").orElseThrow());
        GenerationOptions endless = GenerationOptions.greedy(16).toBuilder().maxNewTokens(Integer.MAX_VALUE).build();
        Generation generation = qwenGenerator.generate(new Prompt(prompt, endless));
        assertTrue(generation.tokenIds().length <= 6, "positions left: 5, plus the token predicted at the last one");
    }

    @Test
    void aPromptPastThePositionsIsRefusedNamingItsLength() {
        int positions = qwen.config().decoder().maxPositions();
        long[] fits = qwenTokenizer.encode("Hello", true);
        long[] tooLong = new long[positions + 1];
        Arrays.fill(tooLong, qwenTokenizer.tokenId("a").orElseThrow());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> qwenGenerator.generate(List.of(
                new Prompt(fits, GenerationOptions.greedy(2)), new Prompt(tooLong, GenerationOptions.greedy(2)))));
        assertEquals("prompt 1 has " + (positions + 1) + " tokens, more than the model's " + positions
                + " positions (max_position_embeddings): shorten it", e.getMessage());
    }

    @Test
    void tenThousandPromptsRunInBoundedBatchesWithTheTokensOfEachAlone() {
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            prompts.add(new Prompt(qwenTokenizer.encode("Hello world " + (i % 7), true), GenerationOptions.greedy(1)));
        }
        List<Generation> generations = qwenGenerator.generate(prompts);
        assertEquals(prompts.size(), generations.size());
        long[] aloneTokens = new long[7];
        for (int k = 0; k < aloneTokens.length; k++) {
            float[] logits = qwen.lastLogits(prompts.get(k).ids());
            GreedyMargin.assertDecidable(logits, "prompt " + k);
            aloneTokens[k] = Sampler.argMax(logits);
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(new long[] {aloneTokens[i % 7]}, generations.get(i).tokenIds(), "prompt " + i);
        }
    }

    /**
     * A top-2 draw at temperature 1 takes the first token when the sampler's uniform {@code u} is below
     * σ(l₀ − l₁). Logits moved by at most δ (1e-5 of their scale) keep the same two tokens in the same
     * order when l₀ − l₁ and l₁ − l₂ exceed 2δ, and move σ by at most δ/2: then a padded batch and a
     * sequence alone draw the same token.
     */
    private static void assertTopTwoDrawDecidable(float[] logits, double u, String what) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        int v = sorted.length;
        double delta = GreedyMargin.LOGIT_TOLERANCE * Math.max(Math.abs(sorted[0]), Math.abs(sorted[v - 1]));
        double first = sorted[v - 1];
        double second = sorted[v - 2];
        double boundary = 1 / (1 + Math.exp(second - first));
        assertTrue(first - second > 2 * delta && second - sorted[v - 3] > 2 * delta && Math.abs(u - boundary) > delta,
                what + ": top-2 draw within rounding of a tie or of its boundary (u " + u + ", σ " + boundary + ", δ " + delta
                        + "); pick another input");
    }

    private static GenerationOptions.Builder sampling(long seed) {
        return GenerationOptions.greedy(16).toBuilder().temperature(1.0).topK(50).topP(0.95).seed(seed);
    }

    private static long[] append(long[] ids, long id) {
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
