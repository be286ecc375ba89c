package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code eval} command on a tiny random checkpoint with a word-level tokenizer. */
class EvalCommandTest {

    /** Three items over the tokenizer's words; choices start with the space that separates them from the context. */
    static final String ITEMS = """
            {"context": "the cat sat on the", "choices": [" mat", " dog", " cat sat"], "gold": 0}
            {"context": "a dog", "choices": [" sat", " on the mat"], "gold": 1}
            {"context": "the", "choices": [" cat", " dog", " a", " mat"], "gold": 3}
            """;

    @TempDir
    static Path dir;

    static Path model;
    static Path text;
    static Path items;

    @BeforeAll
    static void writeModelAndData() throws IOException {
        model = dir.resolve("model");
        RandomCheckpoint.write(Presets.load("olmoe-tiny", 2), model, 3, DType.F32);
        WordTokenizer.writeTo(model);
        text = Files.writeString(dir.resolve("heldout.txt"), WordTokenizer.text(3, 40, 1));
        items = Files.writeString(dir.resolve("mc.jsonl"), ITEMS);
    }

    @Test
    void jsonHasEveryTasksMetricsAndRealisedDropRate() {
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--task", "ppl", "--task", "kl", "--task", items.toString(),
                "--data", text.toString(), "--window", "16", "--method", "1t", "--threshold", "0.2", "--json");

        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("1t", json.getAsJsonObject("dualsparse").get("method").getAsString());
        JsonArray tasks = json.getAsJsonArray("tasks");
        assertEquals(3, tasks.size());
        JsonObject ppl = tasks.get(0).getAsJsonObject();
        assertEquals("ppl", ppl.get("task").getAsString());
        assertEquals(3 * 39, ppl.get("tokens").getAsLong(), "every word but each document's first");
        assertEquals(Math.exp(ppl.get("mean_nll").getAsDouble()), ppl.get("perplexity").getAsDouble(), 1e-9);
        JsonObject kl = tasks.get(1).getAsJsonObject();
        assertEquals(3 * 40, kl.get("tokens").getAsLong());
        assertTrue(kl.get("kl").getAsDouble() > 0, kl.toString());
        assertTrue(kl.get("top1_agreement").getAsDouble() <= 1, kl.toString());
        JsonObject mc = tasks.get(2).getAsJsonObject();
        assertEquals("mc", mc.get("task").getAsString());
        assertEquals(3, mc.get("items").getAsInt());
        for (String metric : new String[] {"acc", "acc_norm"}) {
            double value = mc.get(metric).getAsDouble();
            assertEquals(Math.round(3 * value), 3 * value, 1e-9, metric + " counts whole items");
            assertEquals(Math.sqrt(value * (1 - value) / 3), mc.get(metric + "_stderr").getAsDouble(), 1e-12);
        }
        for (int t = 0; t < 3; t++) {
            JsonObject task = tasks.get(t).getAsJsonObject();
            assertTrue(task.get("decision_drop_rate").getAsDouble() > 0.05, task.toString());
            assertTrue(task.get("skipped_work_rate").getAsDouble() <= task.get("decision_drop_rate").getAsDouble(), task.toString());
            assertTrue(task.get("seconds").getAsDouble() >= 0, task.toString());
        }
        assertTrue(r.err().contains("100% 120/120 tokens") && r.err().contains("100% 3/3 items"), r.err());
    }

    @Test
    void aTargetDropRateFromAProfile() {
        Path profile = dir.resolve("model.profile");
        CliRun calibrate = CliRun.of("calibrate", "--model", model.toString(), "--data", text.toString(), "--out", profile.toString());
        assertEquals(0, calibrate.code(), calibrate.err());

        CliRun r = CliRun.of("eval", "--model", model.toString(), "--task", "ppl", "--data", text.toString(),
                "--method", "1t", "--profile", profile.toString(), "--drop-rate", "0.25", "--json");

        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(profile.toString(), json.getAsJsonObject("dualsparse").get("profile").getAsString());
        double realised = json.getAsJsonArray("tasks").get(0).getAsJsonObject().get("decision_drop_rate").getAsDouble();
        assertEquals(0.25, realised, 0.05, "on the calibration text itself");
    }

    @Test
    void textDefaultsToTheModelsHeldOutFileAndTheTableHasNoDropRateWithoutDualSparse() throws IOException {
        Path withHeldout = dir.resolve("with-heldout");
        Files.createDirectories(withHeldout.resolve("eval"));
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(model.resolve(file), withHeldout.resolve(file));
        }
        Files.copy(text, withHeldout.resolve("eval/heldout.txt"));

        CliRun r = CliRun.of("eval", "--model", withHeldout.toString(), "--task", "ppl", "--max-items", "2");

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("| task | metrics | n | decision drop rate | skipped work | seconds |"), r.out());
        assertTrue(r.out().contains("| ppl | perplexity ") && r.out().contains("| 78 tokens | - |"), r.out());
    }

    @Test
    void misuseIsAOneLineError() throws IOException {
        CliRun klAlone = CliRun.of("eval", "--model", model.toString(), "--task", "kl", "--data", text.toString());
        assertEquals(2, klAlone.code());
        assertTrue(klAlone.err().contains("task kl compares a dropping model with the undropped one"), klAlone.err());

        CliRun noText = CliRun.of("eval", "--model", model.toString(), "--task", "ppl");
        assertEquals(2, noText.code());
        assertTrue(noText.err().contains("give --data FILE (no " + model.resolve("eval/heldout.txt") + ")"), noText.err());

        CliRun unknown = CliRun.of("eval", "--model", model.toString(), "--task", "mmlu.csv");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown task \"mmlu.csv\""), unknown.err());

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), ITEMS + "{\"context\": \"a\", \"choices\": [\" b\"], \"gold\": 0}\n");
        CliRun badItem = CliRun.of("eval", "--model", model.toString(), "--task", bad.toString());
        assertEquals(2, badItem.code());
        assertTrue(badItem.err().contains(bad + ":4: \"choices\" has 1 entry"), badItem.err());
        assertFalse(badItem.out().contains("| task |"), "nothing is printed for a failed run");
    }
}
