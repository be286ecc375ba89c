package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.chat.NoChatTemplateException;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.eval.Loglikelihood;
import org.dualsparse.eval.LoglikelihoodRequest;
import org.dualsparse.generate.Generation;
import org.dualsparse.generate.InvalidOptionException;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.GreedyMargin;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.dualsparse.tokenizer.TokenizerException;
import org.dualsparse.translate.ChatRequest;
import org.dualsparse.translate.GenerationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder reached the DJL way: Criteria, ZooModel, Predictor. */
class CriteriaTest {

    private static final List<String> PROMPTS = List.of("Hello", "the world and the rest", "in a world", "Grüße 中文");

    @TempDir
    static Path dir;

    static Path qwen;

    @BeforeAll
    static void writeModel() {
        qwen = TinyModels.qwen(dir.resolve("qwen"));
    }

    @Test
    void textInTextOut() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(qwen)
                .optArgument("max_new_tokens", 8)
                .optArgument("do_sample", "false")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            String once = predictor.predict("Hello world");
            assertEquals(once, predictor.predict("Hello world"), "greedy is deterministic");
            // A padded batch runs other kernels than each prompt alone: equal text needs decidable greedy steps.
            assertGreedyDecidable(PROMPTS, 8);
            assertEquals(predictor.batchPredict(PROMPTS), PROMPTS.stream().map(p -> predictOrThrow(predictor, p)).toList());
        }
    }

    @Test
    void dualSparseArgumentsPartitionTheExpertsAndReportDrops() throws Exception {
        String plain = generate(MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen));
        String partitioned = generate(MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument("partition", 4)
                .optArgument("method", "none"));
        // Sub-experts sum the same products in another order: equal text where each greedy step is decidable.
        assertGreedyDecidable(List.of("the world and the rest"), 8);
        assertEquals(plain, partitioned, "partition without dropping changes nothing");

        Criteria<String, String> dropping = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(qwen)
                .optArgument("max_new_tokens", 8)
                .optArgument("method", "2t")
                .optArgument("threshold", "0.2")
                .build();
        try (ZooModel<String, String> model = dropping.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            predictor.predict("the world and the rest");
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            assertTrue(method.stats().rates().decision() > 0, "2T at T = 0.2 drops pairs of a top-2 model");
            assertEquals(ThresholdDropPolicy.class, method.policy().getClass());
        }
    }

    /** Each of {@code steps} greedy steps of each prompt, encoded as the text translator does, has a top-1 margin beyond rounding. */
    private static void assertGreedyDecidable(List<String> prompts, int steps) {
        try (MoeLanguageModel lm = MoeLanguageModel.load(qwen); TextTokenizer tokenizer = TextTokenizer.load(qwen)) {
            for (String prompt : prompts) {
                long[] sequence = tokenizer.encode(prompt, true);
                for (int step = 0; step < steps; step++) {
                    float[] logits = lm.lastLogits(sequence);
                    GreedyMargin.assertDecidable(logits, prompt + " step " + step);
                    int best = 0;
                    for (int v = 1; v < logits.length; v++) {
                        best = logits[v] > logits[best] ? v : best;
                    }
                    sequence = concat(sequence, new long[] {best});
                }
            }
        }
    }

    private static String generate(Criteria.Builder<String, String> builder) throws Exception {
        try (ZooModel<String, String> model = builder.optArgument("max_new_tokens", 8).build().loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            return predictor.predict("the world and the rest");
        }
    }

    @Test
    void plainDjlArgumentsWorkWithoutTheHelper() throws Exception {
        Criteria<String, String> criteria = Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(qwen)
                .optEngine("PyTorch")
                .optArgument("blockFactory", "org.dualsparse.zoo.MoeBlockFactory")
                .optArgument("translatorFactory", "org.dualsparse.zoo.MoeTranslatorFactory")
                .optOption("hasParameter", "false")
                .optArgument("max_new_tokens", "4")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            assertTrue(model.getBlock() instanceof CausalLmBlock);
            predictor.predict("Hello");
        }
    }

    @Test
    void requestsOverrideOptionsPerCallAndStream() throws Exception {
        Criteria<GenerationRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(GenerationRequest.class, Generation.class)
                .optModelPath(qwen)
                .optArgument("max_new_tokens", 30)
                .build();
        try (ZooModel<GenerationRequest, Generation> model = criteria.loadModel();
                Predictor<GenerationRequest, Generation> predictor = model.newPredictor()) {
            StringBuilder streamed = new StringBuilder();
            Generation generation = predictor.predict(GenerationRequest.of("the world")
                    .withOptions(o -> o.maxNewTokens(5).temperature(0.8).seed(1))
                    .streamingTo(streamed::append));
            assertTrue(generation.tokenIds().length <= 5);
            assertEquals(generation.text(), streamed.toString());
            assertTrue(generation.timing().decodeTokensPerSecond() > 0 || generation.tokenIds().length <= 1);
            TranslateException e = assertThrows(TranslateException.class,
                    () -> predictor.predict(GenerationRequest.of("x").withOptions(o -> o.topP(1.5))));
            assertTrue(e.getCause() instanceof InvalidOptionException, e.toString());
        }
    }

    @Test
    void chatRepliesThroughTheModelsTemplate() throws Exception {
        Criteria<ChatRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(ChatRequest.class, Generation.class)
                .optModelPath(qwen)
                .optArgument("max_new_tokens", 6)
                .build();
        try (ZooModel<ChatRequest, Generation> model = criteria.loadModel();
                Predictor<ChatRequest, Generation> predictor = model.newPredictor()) {
            Generation reply = predictor.predict(ChatRequest.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")));
            // The ChatML prompt: 3 specials + text tokens of "system\nBe brief." etc.
            assertTrue(reply.promptTokens() > 10, "prompt tokens: " + reply.promptTokens());
            assertTrue(reply.finishReason() != null);
        }
    }

    @Test
    void loglikelihoodsMatchTheUncachedLogitsPath() throws Exception {
        Criteria<LoglikelihoodRequest, Loglikelihood> criteria = MoeCriteria.builder()
                .setTypes(LoglikelihoodRequest.class, Loglikelihood.class)
                .optModelPath(qwen)
                .build();
        try (ZooModel<LoglikelihoodRequest, Loglikelihood> model = criteria.loadModel();
                Predictor<LoglikelihoodRequest, Loglikelihood> scorer = model.newPredictor();
                MoeLanguageModel lm = MoeLanguageModel.load(qwen);
                TextTokenizer tokenizer = TextTokenizer.load(qwen)) {
            List<LoglikelihoodRequest> requests = new ArrayList<>(List.of(
                    new LoglikelihoodRequest("Hello world ", "and the rest"),
                    new LoglikelihoodRequest("", "Hello"),
                    new LoglikelihoodRequest("in a", " world")));
            requests.add(greedyContinuation(lm, tokenizer));
            List<Loglikelihood> batch = scorer.batchPredict(requests);
            for (int i = 0; i < requests.size(); i++) {
                Loglikelihood expected = reference(lm, tokenizer, requests.get(i));
                // A token's log-probability is the difference of two float32 values of order 10 (its logit and the
                // log-sum-exp), each a few ulps (~1e-6) off on another path: 2e-5 nats per token.
                double tolerance = 2e-5 * expected.tokens();
                assertEquals(expected.logprob(), batch.get(i).logprob(), tolerance, requests.get(i).toString());
                assertEquals(expected.greedy(), batch.get(i).greedy());
                assertEquals(expected.tokens(), batch.get(i).tokens());
                assertEquals(batch.get(i).logprob(), scorer.predict(requests.get(i)).logprob(), tolerance, "batch = alone");
            }
            assertEquals(tokenizer.encode(" and the rest", false).length, batch.get(0).tokens(), "the context's trailing space moved");
            assertTrue(batch.get(3).greedy(), "the model's own argmax token is greedy");
        }
    }

    /** The log-likelihood from one uncached forward per continuation token. */
    private static Loglikelihood reference(MoeLanguageModel lm, TextTokenizer tokenizer, LoglikelihoodRequest request) {
        String context = request.context().stripTrailing();
        String continuation = request.context().substring(context.length()) + request.continuation();
        long[] contextIds = context.isEmpty() ? new long[] {tokenizer.tokenId("<|im_end|>").orElseThrow()} : tokenizer.encode(context, false);
        long[] whole = context.isEmpty() ? concat(contextIds, tokenizer.encode(continuation, false)) : tokenizer.encode(context + continuation, false);
        double logprob = 0;
        boolean greedy = true;
        for (int j = contextIds.length; j < whole.length; j++) {
            float[] logits = lm.lastLogits(Arrays.copyOf(whole, j));
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int v = 0; v < logits.length; v++) {
                if (logits[v] > max) {
                    max = logits[v];
                    best = v;
                }
            }
            double sum = 0;
            for (float logit : logits) {
                sum += Math.exp(logit - max);
            }
            logprob += logits[(int) whole[j]] - max - Math.log(sum);
            greedy &= best == whole[j];
            float rival = Float.NEGATIVE_INFINITY;
            float scale = 0;
            for (int v = 0; v < logits.length; v++) {
                rival = v == whole[j] ? rival : Math.max(rival, logits[v]);
                scale = Math.max(scale, Math.abs(logits[v]));
            }
            // The flag compares argmaxes across paths: each token must beat or trail its best rival by more than rounding.
            assertTrue(Math.abs(logits[(int) whole[j]] - rival) > 2 * GreedyMargin.LOGIT_TOLERANCE * scale,
                    request + ": token " + j + " ties its best rival within rounding; pick another request");
        }
        return new Loglikelihood(logprob, greedy, whole.length - contextIds.length);
    }

    /** A context and the text of the model's most likely next token, where that text tokenizes back to the token. */
    private static LoglikelihoodRequest greedyContinuation(MoeLanguageModel lm, TextTokenizer tokenizer) {
        for (String context : List.of("Hello world", "the world", "in a", "Hello", "and the rest")) {
            long[] ids = tokenizer.encode(context, false);
            float[] logits = lm.lastLogits(ids);
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                best = logits[v] > logits[best] ? v : best;
            }
            String text = tokenizer.decode(new long[] {best});
            if (!text.isEmpty() && Arrays.equals(concat(ids, new long[] {best}), tokenizer.encode(context + text, false))) {
                return new LoglikelihoodRequest(context, text);
            }
        }
        throw new IllegalStateException("no context whose greedy token round-trips through the tokenizer");
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void predictorsOnManyThreadsGiveTheSerialResults() throws Exception {
        Criteria<GenerationRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(GenerationRequest.class, Generation.class)
                .optModelPath(qwen)
                .optArgument("max_new_tokens", 10)
                .build();
        try (ZooModel<GenerationRequest, Generation> model = criteria.loadModel()) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long seed = i;
                requests.add(GenerationRequest.of(PROMPTS.get(i % PROMPTS.size())).withOptions(o -> o.temperature(0.9).seed(seed)));
            }
            List<String> serial = new ArrayList<>();
            try (Predictor<GenerationRequest, Generation> predictor = model.newPredictor()) {
                for (GenerationRequest request : requests) {
                    serial.add(predictor.predict(request).text());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<String>>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        List<String> texts = new ArrayList<>();
                        try (Predictor<GenerationRequest, Generation> predictor = model.newPredictor()) {
                            for (int round = 0; round < 3; round++) {
                                for (GenerationRequest request : requests) {
                                    texts.add(predictor.predict(request).text());
                                }
                            }
                        }
                        return texts;
                    }));
                }
                for (Future<List<String>> future : futures) {
                    List<String> texts = future.get();
                    for (int i = 0; i < texts.size(); i++) {
                        assertEquals(serial.get(i % serial.size()), texts.get(i));
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void badFoldersFailWithTypedErrors() throws Exception {
        Path noTokenizer = dir.resolve("no-tokenizer");
        TinyModels.qwen(noTokenizer);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        Criteria<String, String> text = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(noTokenizer).build();
        assertThrows(TokenizerException.class, text::loadModel);

        Path base = dir.resolve("base");
        TinyModels.qwen(base);
        Files.writeString(base.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|endoftext|>\"}");
        Criteria<ChatRequest, Generation> chat = MoeCriteria.builder().setTypes(ChatRequest.class, Generation.class).optModelPath(base).build();
        assertThrows(NoChatTemplateException.class, chat::loadModel);

        Criteria<String, String> badOption = MoeCriteria.builder()
                .setTypes(String.class, String.class).optModelPath(qwen).optArgument("max_new_tokens", 0).build();
        InvalidOptionException e = assertThrows(InvalidOptionException.class, badOption::loadModel);
        assertFalse(e.getMessage().isEmpty());
    }

    private static String predictOrThrow(Predictor<String, String> predictor, String prompt) {
        try {
            return predictor.predict(prompt);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
