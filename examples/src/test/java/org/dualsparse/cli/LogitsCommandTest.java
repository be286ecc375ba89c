package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.generate.Sampler;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code logits} command on a folder with config.json and safetensors only. */
class LogitsCommandTest {


    @TempDir
    static Path model;

    @BeforeAll
    static void writeModel() {
        RandomCheckpoint.write(Presets.load("olmoe-tiny", 2), model, 5, DType.BF16);
    }

    @Test
    void jsonReportsTopLogitsAndCachedGreedyTokens(@TempDir Path out) throws IOException {
        Path logitsFile = out.resolve("logits.bin");
        CliRun r = CliRun.of("logits", "--model", model.toString(), "--ids", "1,15,29", "--top", "3", "--gen", "4",
                "--logits-out", logitsFile.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("olmoe", json.get("model_type").getAsString());
        assertEquals("[1,15,29]", json.get("prompt_ids").toString());
        JsonArray top = json.getAsJsonArray("top");
        assertEquals(3, top.size());

        float[] written = LogitFiles.read(logitsFile);
        try (MoeLanguageModel lm = MoeLanguageModel.load(model)) {
            float[] expected = lm.lastLogits(new long[] {1, 15, 29});
            // The command prefills a KV cache, this runs without one: other kernels, so scale-relative.
            LogitFiles.assertClose(expected, written, "--logits-out holds the last position's logits");
            JsonObject best = top.get(0).getAsJsonObject();
            assertDecidable(expected);
            assertEquals(Sampler.argMax(expected), best.get("id").getAsLong());
            // The JSON's logit is the written one, bit for bit.
            assertEquals(written[(int) best.get("id").getAsLong()], best.get("logit").getAsFloat(), 0f);
            assertTrue(best.get("logprob").getAsDouble() < 0);

            assertGreedyIsFullRecompute(lm, new long[] {1, 15, 29}, json.getAsJsonArray("greedy"));
        }
    }

    /** Multi-head latent attention decodes through its latent KV cache. */
    @Test
    void deepseekV2CheckpointDecodesWithTheLatentCache(@TempDir Path deepseek) {
        RandomCheckpoint.write(Presets.load("deepseek-v2-tiny", 2), deepseek, 5, DType.BF16);
        CliRun r = CliRun.of("logits", "--model", deepseek.toString(), "--ids", "1,2,3", "--gen", "4", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("deepseek_v2", json.get("model_type").getAsString());
        try (MoeLanguageModel lm = MoeLanguageModel.load(deepseek)) {
            assertGreedyIsFullRecompute(lm, new long[] {1, 2, 3}, json.getAsJsonArray("greedy"));
        }
    }

    private static void assertGreedyIsFullRecompute(MoeLanguageModel lm, long[] prompt, JsonArray greedy) {
        long[] sequence = prompt;
        assertEquals(4, greedy.size());
        for (int i = 0; i < 4; i++) {
            float[] logits = lm.lastLogits(sequence);
            assertDecidable(logits);
            long next = Sampler.argMax(logits);
            assertEquals(next, greedy.get(i).getAsLong(), "greedy token " + i + " (full recompute vs KV cache)");
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = next;
        }
    }

    @Test
    void dualSparseOptionsReportTheRealisedDropRate(@TempDir Path out) throws IOException {
        Path plainLogits = out.resolve("plain.bin");
        Path partitionedLogits = out.resolve("partitioned.bin");
        CliRun plain = CliRun.of("logits", "--model", model.toString(), "--ids", "1,15,29,40,2,7", "--json", "--gen", "4",
                "--logits-out", plainLogits.toString());
        CliRun partitioned = CliRun.of("logits", "--model", model.toString(), "--ids", "1,15,29,40,2,7", "--json", "--gen", "4",
                "--partition", "4", "--method", "none", "--logits-out", partitionedLogits.toString());
        JsonObject plainJson = JsonParser.parseString(plain.out()).getAsJsonObject();
        JsonObject partitionedJson = JsonParser.parseString(partitioned.out()).getAsJsonObject();
        // Sub-experts sum the same products in another order: equal logits to rounding, and equal greedy
        // tokens where the full recompute's top-1 margin exceeds that rounding.
        LogitFiles.assertClose(LogitFiles.read(plainLogits), LogitFiles.read(partitionedLogits), "P = 4 without dropping");
        try (MoeLanguageModel lm = MoeLanguageModel.load(model)) {
            assertGreedyIsFullRecompute(lm, new long[] {1, 15, 29, 40, 2, 7}, plainJson.getAsJsonArray("greedy"));
            assertGreedyIsFullRecompute(lm, new long[] {1, 15, 29, 40, 2, 7}, partitionedJson.getAsJsonArray("greedy"));
        }
        assertEquals(0.0, partitionedJson.get("decision_drop_rate").getAsDouble());
        assertEquals(0.0, partitionedJson.get("skipped_work_rate").getAsDouble());

        CliRun dropping = CliRun.of("logits", "--model", model.toString(), "--ids", "1,15,29,40,2,7", "--json",
                "--method", "2t", "--threshold", "0.12", "--delta", "0.04");
        assertEquals(0, dropping.code(), dropping.err());
        JsonObject json = JsonParser.parseString(dropping.out()).getAsJsonObject();
        JsonArray layers = json.getAsJsonArray("layers");
        assertEquals(2, layers.size());
        long pairs = 0;
        long skippedHalves = 0;
        for (int i = 0; i < layers.size(); i++) {
            JsonObject layer = layers.get(i).getAsJsonObject();
            pairs += layer.get("full").getAsLong() + layer.get("major").getAsLong() + layer.get("dropped").getAsLong();
            skippedHalves += 2 * layer.get("dropped").getAsLong() + layer.get("major").getAsLong();
        }
        assertEquals(2 * 6 * 4, pairs, "two MoE layers × six prompt tokens × top-4");
        double decision = json.get("decision_drop_rate").getAsDouble();
        assertEquals(skippedHalves / (2.0 * pairs), decision, 1e-12);
        assertTrue(decision > 0);
        double skippedWork = json.get("skipped_work_rate").getAsDouble();
        assertTrue(skippedWork >= 0 && skippedWork <= decision, "the kernels skip at most what was decided: " + skippedWork);

        CliRun tooHigh = CliRun.of("logits", "--model", model.toString(), "--ids", "1", "--method", "1t", "--threshold", "0.3");
        assertEquals(2, tooHigh.code());
        assertTrue(tooHigh.err().contains("1/K"), tooHigh.err());
    }

    @Test
    void badInputIsAOneLineErrorAndExitCode2() {
        CliRun r = CliRun.of("logits", "--model", model.toString(), "--ids", "1,9999");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("token id 9999"), r.err());
        CliRun missing = CliRun.of("logits", "--model", model.resolve("nope").toString(), "--ids", "1");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("config.json"), missing.err());
    }

    /**
     * Greedy tokens of two paths can be required equal only where the top-1 logit leads the runner-up by
     * more than twice the paths' difference; a test input that fails this is a bad input, not a bug.
     */
    private static void assertDecidable(float[] logits) {
        int best = Sampler.argMax(logits);
        float runnerUp = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            runnerUp = i == best ? runnerUp : Math.max(runnerUp, logits[i]);
        }
        float margin = logits[best] - runnerUp;
        assertTrue(margin > 2 * LogitFiles.TOLERANCE * LogitFiles.maxAbs(logits),
                "top-1 margin " + margin + " is within rounding of the logit scale " + LogitFiles.maxAbs(logits) + ": pick another input");
    }
}
