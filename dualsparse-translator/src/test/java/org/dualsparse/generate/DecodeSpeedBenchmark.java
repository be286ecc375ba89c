package org.dualsparse.generate;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decode speed of the generator against bare cached forward steps on the same model (run with -Dgroups=benchmark). */
@Tag("benchmark")
class DecodeSpeedBenchmark {

    @TempDir
    Path dir;

    @Test
    void decodeTokensPerSecond() {
        Path model = TinyModels.qwen(dir.resolve("qwen"));
        try (MoeLanguageModel lm = MoeLanguageModel.load(model); TextTokenizer tokenizer = TextTokenizer.load(model)) {
            Generator generator = new Generator(lm, tokenizer);
            long[] prompt = tokenizer.encode("Hello world, the world", true);
            GenerationOptions options = GenerationOptions.greedy(200).toBuilder().temperature(0.8).seed(1).build();
            for (int round = 0; round < 4; round++) {
                Generation g = generator.generate(new Prompt(prompt, options));
                double bare = bareStepsPerSecond(lm, prompt, 200);
                System.out.printf("round %d: generator decode %.1f tokens/s (%d tokens, %s), prefill %.1f tokens/s; bare cached forward %.1f steps/s%n",
                        round, g.timing().decodeTokensPerSecond(), g.tokenIds().length, g.finishReason(),
                        g.timing().prefillTokensPerSecond(), bare);
            }
        }
    }

    private static double bareStepsPerSecond(MoeLanguageModel lm, long[] prompt, int steps) {
        try (KvCache cache = lm.newCache(1)) {
            try (NDManager step = lm.model().getNDManager().newSubManager()) {
                lm.forward(step, new long[][] {prompt}, null, cache, true).toFloatArray();
            }
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                try (NDManager step = lm.model().getNDManager().newSubManager()) {
                    lm.forward(step, new long[][] {{5 + s % 50}}, null, cache, true).toFloatArray();
                }
            }
            return steps * 1e9 / (System.nanoTime() - start);
        }
    }
}
