package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.StringJoiner;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code calibrate} command on a tiny random checkpoint, from token ids and from text. */
class CalibrateCommandTest {

    /** Words of {@link WordTokenizer}: one id per word. */
    private static final String TEXT = "the cat sat on the mat";

    @TempDir
    static Path model;

    @BeforeAll
    static void writeModel() {
        RandomCheckpoint.write(Presets.load("qwen2-moe-tiny", 2), model, 7, DType.F32);
    }

    @Test
    void idsFileGivesAProfileOfThisModelAndASummary(@TempDir Path dir) throws IOException {
        Path ids = dir.resolve("ids.txt");
        Random random = new Random(1);
        StringJoiner lines = new StringJoiner("\n");
        for (int line = 0; line < 4; line++) {
            StringJoiner sequence = new StringJoiner(line % 2 == 0 ? "," : " ");
            for (int i = 0; i < 100; i++) {
                sequence.add(Integer.toString(random.nextInt(256)));
            }
            lines.add(sequence.toString());
        }
        Files.writeString(ids, lines + "\n\n");
        Path profile = dir.resolve("model.profile");

        CliRun r = CliRun.of("calibrate", "--model", model.toString(), "--ids", ids.toString(), "--seq-len", "64",
                "--metric", "abs-gate-up", "--out", profile.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("100% 400/400 tokens"), r.err());
        assertTrue(r.out().contains("400 calibration tokens") && r.out().contains("EES β"), r.out());
        String[] tenPercent = r.out().lines().filter(l -> l.matches("\\s+10%\\s+0\\.\\d+\\s+0\\.\\d+")).findFirst()
                .orElseThrow(() -> new AssertionError("no 10% thresholds in:\n" + r.out())).trim().split("\\s+");
        try (MoeLanguageModel lm = MoeLanguageModel.load(model)) {
            CalibrationProfile loaded = CalibrationProfile.loadFor(profile, lm);
            assertEquals(400, loaded.tokens());
            assertEquals(ImportanceMetric.ABS_GATE_UP, loaded.metric());
            assertEquals(2, loaded.layers().size());
            ThresholdSolver solver = new ThresholdSolver(loaded, Partition.halves(2));
            assertEquals(solver.global(0.10, Margin.NONE).threshold(0), Float.parseFloat(tenPercent[1]), "1T at 10%");
            assertEquals(solver.global(0.10, DualSparseSettings.DEFAULT_MARGIN).threshold(0), Float.parseFloat(tenPercent[2]), "2T at 10%");
        }

        // The profile drives the run-time switches: a target rate on the calibration prompt itself.
        String prompt = Files.readAllLines(ids).get(1).trim().replace(" ", ",");
        for (String mode : new String[] {"--reconstruct=profile", "--per-layer"}) {
            CliRun run = CliRun.of("logits", "--model", model.toString(), "--ids", prompt, "--json", "--method", "1t",
                    "--profile", profile.toString(), "--drop-rate", "0.25", mode);
            assertEquals(0, run.code(), run.err());
            double realised = JsonParser.parseString(run.out()).getAsJsonObject().get("decision_drop_rate").getAsDouble();
            assertEquals(0.25, realised, 0.05, mode + ": realised decision drop rate on 100 calibration tokens");
        }
        CliRun ees = CliRun.of("logits", "--model", model.toString(), "--ids", prompt, "--json", "--method", "ees",
                "--profile", profile.toString());
        assertEquals(0, ees.code(), ees.err());
        JsonObject eesJson = JsonParser.parseString(ees.out()).getAsJsonObject();
        assertTrue(eesJson.get("decision_drop_rate").getAsDouble() > 0, "EES with the calibrated β drops second experts");
        assertEquals(8, eesJson.getAsJsonArray("layers").get(0).getAsJsonObject().getAsJsonArray("expert_loads").size(),
                "the loads of all 8 experts are reported");
        CliRun withoutProfile = CliRun.of("logits", "--model", model.toString(), "--ids", "1,2", "--drop-rate", "0.25");
        assertEquals(2, withoutProfile.code());
        assertTrue(withoutProfile.err().contains("calibration profile"), withoutProfile.err());

        CliRun capped = CliRun.of("calibrate", "--model", model.toString(), "--ids", ids.toString(), "--tokens", "150",
                "--out", profile.toString());
        assertEquals(0, capped.code(), capped.err());
        assertEquals(150, CalibrationProfile.load(profile).tokens());
    }

    @Test
    void textIsTokenisedWithTheModelsTokenizer(@TempDir Path dir) throws IOException {
        Path withTokenizer = dir.resolve("model");
        Files.createDirectories(withTokenizer);
        for (String file : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(model.resolve(file), withTokenizer.resolve(file));
        }
        WordTokenizer.writeTo(withTokenizer);
        Path jsonl = dir.resolve("data.jsonl");
        Files.writeString(jsonl, "{\"text\": \"" + TEXT + "\"}\n\n{\"text\": \"a dog sat\", \"id\": 2}\n");
        Path txt = dir.resolve("data.txt");
        Files.writeString(txt, TEXT + "\nthe dog\n\n  \na cat sat\n");

        CliRun fromJsonl = CliRun.of("calibrate", "--model", withTokenizer.toString(), "--data", jsonl.toString(),
                "--out", dir.resolve("jsonl.profile").toString());
        CliRun fromTxt = CliRun.of("calibrate", "--model", withTokenizer.toString(), "--data", txt.toString(),
                "--out", dir.resolve("txt.profile").toString());

        assertEquals(0, fromJsonl.code(), fromJsonl.err());
        assertEquals(0, fromTxt.code(), fromTxt.err());
        assertEquals(6 + 3, CalibrationProfile.load(dir.resolve("jsonl.profile")).tokens());
        assertEquals(6 + 2 + 3, CalibrationProfile.load(dir.resolve("txt.profile")).tokens());
    }

    @Test
    void badDataIsAOneLineErrorNamingFileAndLine(@TempDir Path dir) throws IOException {
        Path ids = dir.resolve("ids.txt");
        Files.writeString(ids, "1 2 3\n4, five, 6\n");
        CliRun badId = CliRun.of("calibrate", "--model", model.toString(), "--ids", ids.toString(), "--out", dir.resolve("p").toString());
        assertEquals(2, badId.code());
        assertTrue(badId.err().contains(ids + ":2: \"five\" is not a token id"), badId.err());

        Path jsonl = dir.resolve("data.jsonl");
        Files.writeString(jsonl, "{\"text\": \"the cat\"}\n{\"body\": \"the cat\"}\n");
        CliRun noText = CliRun.of("calibrate", "--model", model.toString(), "--data", jsonl.toString(), "--out", dir.resolve("p").toString());
        assertEquals(2, noText.code());
        assertTrue(noText.err().contains(jsonl + ":2: no string \"text\" field"), noText.err());

        Path txt = dir.resolve("data.txt");
        Files.writeString(txt, "the cat\n");
        CliRun noTokenizer = CliRun.of("calibrate", "--model", model.toString(), "--data", txt.toString(), "--out", dir.resolve("p").toString());
        assertEquals(2, noTokenizer.code());
        assertTrue(noTokenizer.err().contains("missing " + model.resolve("tokenizer.json"))
                && noTokenizer.err().contains("--ids FILE"), noTokenizer.err());

        CliRun badMetric = CliRun.of("calibrate", "--model", model.toString(), "--ids", ids.toString(), "--metric", "loud",
                "--out", dir.resolve("p").toString());
        assertEquals(2, badMetric.code());
        assertTrue(badMetric.err().contains("unknown importance metric \"loud\""), badMetric.err());
    }
}
