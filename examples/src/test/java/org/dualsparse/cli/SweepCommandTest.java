package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.dualsparse.plot.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sweep} command: one row per (method, drop rate) in every output, and a readable chart per metric. */
class SweepCommandTest {

    private static final List<String> METHODS = List.of("1t", "2t", "ees", "top-p", "capacity");

    @TempDir
    static Path dir;

    static Path model;
    static Path text;
    static Path calibration;
    static Path items;

    @BeforeAll
    static void writeModelAndData() throws IOException {
        model = dir.resolve("model");
        RandomCheckpoint.write(Presets.load("olmoe-tiny", 2), model, 3, DType.F32);
        WordTokenizer.writeTo(model);
        text = Files.writeString(dir.resolve("heldout.txt"), WordTokenizer.text(2, 40, 1));
        calibration = Files.writeString(dir.resolve("calibration.txt"), WordTokenizer.text(8, 40, 2));
        items = Files.writeString(dir.resolve("mc.jsonl"), EvalCommandTest.ITEMS);
    }

    @Test
    void everyMethodAtEveryRateInAllFourOutputs() throws IOException {
        Path out = dir.resolve("sweep");
        CliRun r = CliRun.of("sweep", "--model", model.toString(), "--task", "ppl", "--task", "kl", "--task", items.toString(),
                "--data", text.toString(), "--window", "16", "--calibration", calibration.toString(),
                "--drop-rates", "0,0.2,0.4", "--methods", String.join(",", METHODS), "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("routings of 320 calibration tokens"), r.err());

        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(1 + METHODS.size() * 3, csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        assertEquals(List.of("method", "target_drop_rate", "knob", "knob_value", "predicted_decision_drop_rate",
                "ppl.perplexity", "ppl.mean_nll", "ppl.decision_drop_rate", "ppl.skipped_work_rate", "ppl.tokens", "ppl.seconds"),
                header.subList(0, 11));
        assertTrue(header.containsAll(List.of("kl.kl", "kl.top1_agreement", "mc.acc", "mc.acc_norm", "mc.acc_stderr", "mc.items")));

        JsonArray rows = JsonParser.parseString(Files.readString(out.resolve("sweep.json"))).getAsJsonObject().getAsJsonArray("rows");
        assertEquals(METHODS.size() * 3, rows.size());
        JsonObject undropped = rows.get(0).getAsJsonObject();
        for (int i = 0; i < rows.size(); i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            assertEquals(METHODS.get(i / 3), row.get("method").getAsString());
            double target = row.get("target_drop_rate").getAsDouble();
            assertEquals(new double[] {0, 0.2, 0.4}[i % 3], target);
            JsonArray tasks = row.getAsJsonArray("tasks");
            JsonObject ppl = tasks.get(0).getAsJsonObject();
            JsonObject kl = tasks.get(1).getAsJsonObject();
            if (target == 0) {
                assertEquals(undropped.get("tasks"), tasks, "drop rate 0 is one undropped run shared by every method");
                assertEquals(0, kl.get("kl").getAsDouble());
                assertEquals(1, kl.get("top1_agreement").getAsDouble());
            } else {
                // Capacity moves in whole pairs per expert and 16-token batch: coarse steps around the target.
                double predicted = row.get("predicted_decision_drop_rate").getAsDouble();
                assertEquals(target, predicted, row.get("method").getAsString().equals("capacity") ? 0.05 : 0.01, row.toString());
                // Predicted on the calibration text's undropped routings, realised on the held-out text with
                // deeper layers seeing the dropping model: measured within 0.015 of each other.
                assertEquals(predicted, ppl.get("decision_drop_rate").getAsDouble(), 0.03, row.toString());
                assertTrue(kl.get("kl").getAsDouble() > 0, row.toString());
            }
        }

        String markdown = Files.readString(out.resolve("sweep.md"));
        assertEquals(METHODS.size() * 3, markdown.lines().filter(l -> l.matches("\\| [a-z0-9-]+ \\| 0\\.\\d\\d \\|.*")).count(), markdown);
        assertTrue(markdown.contains("| method | target | knob | ppl perplexity | ppl decision drop rate | ppl skipped work | kl kl | kl top1_agreement"), markdown);

        for (String chart : List.of("ppl-perplexity", "kl", "kl-top1_agreement", "mc-acc", "mc-acc_norm")) {
            BufferedImage image = ImageIO.read(out.resolve("sweep-" + chart + ".png").toFile());
            assertNotNull(image, chart);
            assertEquals(Png.WIDTH, image.getWidth(), chart);
        }
    }

    @Test
    void thresholdsFromAProfileNeedNoCalibrationTextButBaselinesDo() throws IOException {
        Path profile = dir.resolve("model.profile");
        CliRun calibrate = CliRun.of("calibrate", "--model", model.toString(), "--data", calibration.toString(),
                "--out", profile.toString());
        assertEquals(0, calibrate.code(), calibrate.err());
        Path out = dir.resolve("profile-sweep");

        CliRun r = CliRun.of("sweep", "--model", model.toString(), "--task", "ppl", "--data", text.toString(),
                "--profile", profile.toString(), "--reconstruct", "profile", "--drop-rates", "0.01,0.2", "--methods", "1t,2t",
                "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1t/2t thresholds solved from the calibration profile"), r.out());
        // 2T runs the major half of pairs scoring below 2δ even at its lowest threshold T = δ: 1% is out of its reach.
        assertEquals(List.of("1t,0.01", "1t,0.2", "2t,0.2"), Files.readAllLines(out.resolve("sweep.csv")).stream().skip(1)
                .map(line -> String.join(",", List.of(line.split(",")).subList(0, 2))).toList());
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("Skipped 2t at 0.01: a drop rate of 1.00% is out of reach"),
                r.out());

        CliRun baseline = CliRun.of("sweep", "--model", model.toString(), "--task", "ppl", "--data", text.toString(),
                "--profile", profile.toString(), "--methods", "1t,ees", "--out", out.toString());
        assertEquals(2, baseline.code());
        assertTrue(baseline.err().contains("the knobs of ees are solved on the routings of calibration text:"
                + " give --calibration FILE"), baseline.err());
    }
}
