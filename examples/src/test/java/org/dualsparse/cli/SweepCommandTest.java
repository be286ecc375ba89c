package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.dualsparse.plot.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code sweep} command: one row per (setting, drop rate) in every output, the axes of a
 * setting, the measured speedups, and a readable chart per metric and x axis.
 */
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
        assertTrue(r.err().contains("abs-gate-up profile measured on 320 tokens"), r.err());

        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(1 + 1 + METHODS.size() * 2, csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        assertEquals(List.of("method", "target_drop_rate", "knob", "knob_value", "predicted_decision_drop_rate", "major_only_share",
                "ppl.perplexity", "ppl.mean_nll", "ppl.decision_drop_rate", "ppl.skipped_work_rate", "ppl.tokens", "ppl.seconds"),
                header.subList(0, 12));
        assertTrue(header.containsAll(List.of("kl.kl", "kl.top1_agreement", "mc.acc", "mc.acc_norm", "mc.acc_stderr", "mc.items")));

        JsonArray rows = JsonParser.parseString(Files.readString(out.resolve("sweep.json"))).getAsJsonObject().getAsJsonArray("rows");
        assertEquals(1 + METHODS.size() * 2, rows.size());
        JsonObject undropped = rows.get(0).getAsJsonObject();
        assertEquals("undropped", undropped.get("method").getAsString());
        JsonObject undroppedKl = undropped.getAsJsonArray("tasks").get(1).getAsJsonObject();
        assertEquals(0, undroppedKl.get("kl").getAsDouble());
        assertEquals(1, undroppedKl.get("top1_agreement").getAsDouble());
        for (int i = 1; i < rows.size(); i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            String method = METHODS.get((i - 1) / 2);
            assertEquals(method, row.get("method").getAsString());
            assertEquals(method, row.getAsJsonObject("setting").get("method").getAsString());
            double target = row.get("target_drop_rate").getAsDouble();
            assertEquals(new double[] {0.2, 0.4}[(i - 1) % 2], target);
            JsonArray tasks = row.getAsJsonArray("tasks");
            JsonObject ppl = tasks.get(0).getAsJsonObject();
            JsonObject kl = tasks.get(1).getAsJsonObject();
            // Capacity moves in whole pairs per expert and 16-token batch: coarse steps around the target.
            double predicted = row.get("predicted_decision_drop_rate").getAsDouble();
            assertEquals(target, predicted, method.equals("capacity") ? 0.05 : 0.01, row.toString());
            // Predicted on the calibration text, realised on 80 held-out tokens with deeper layers seeing
            // the dropping model: measured within 0.035 of each other.
            assertEquals(predicted, ppl.get("decision_drop_rate").getAsDouble(), 0.06, row.toString());
            assertTrue(kl.get("kl").getAsDouble() > 0, row.toString());
            assertEquals(method.equals("2t"), row.has("major_only_share"), row.toString());
        }

        String markdown = Files.readString(out.resolve("sweep.md"));
        assertEquals(1 + METHODS.size() * 2, markdown.lines().filter(l -> l.matches("\\| [a-z0-9-]+ \\| 0\\.\\d\\d \\|.*")).count(),
                markdown);
        assertTrue(markdown.contains("| method | target | knob | major-only pairs | ppl perplexity | ppl decision drop rate"
                + " | ppl skipped work | kl kl | kl top1_agreement"), markdown);
        assertTrue(markdown.contains("Pareto points of ppl perplexity against realised decision drop rate: "), markdown);

        for (String chart : List.of("ppl-perplexity", "kl", "kl-top1_agreement", "mc-acc", "mc-acc_norm")) {
            BufferedImage image = ImageIO.read(out.resolve("sweep-" + chart + ".png").toFile());
            assertNotNull(image, chart);
            assertEquals(Png.WIDTH, image.getWidth(), chart);
        }
    }

    @Test
    void everyAxisIsSweptWhereItAppliesAndNamesTheSettings() throws IOException {
        Path out = dir.resolve("axes");
        CliRun r = CliRun.of("sweep", "--model", model.toString(), "--task", "kl", "--data", text.toString(), "--window", "16",
                "--calibration", calibration.toString(), "--drop-rates", "0.3", "--methods", "1t,2t", "--delta", "0.01,0.04",
                "--partition", "2,4", "--reconstruct", "none,abs-gate-up", "--per-layer", "global,equal", "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        JsonArray rows = JsonParser.parseString(Files.readString(out.resolve("sweep.json"))).getAsJsonObject().getAsJsonArray("rows");
        List<String> labels = rows.asList().stream().map(row -> row.getAsJsonObject().get("method").getAsString()).toList();
        // 1T: one per per-layer split; 2T: 2 splits × 2 orders × 2 margins × 2 per-layer splits.
        assertEquals(2 + 16, labels.size(), labels.toString());
        assertEquals(List.of("1t global", "1t equal", "2t P2 none δ=0.01 global", "2t P2 none δ=0.01 equal"), labels.subList(0, 4));
        assertTrue(labels.contains("2t P4 abs-gate-up δ=0.04 equal"), labels.toString());
        // Four partitionings, one metric (abs-gate-up is also what orders without one are calibrated with): the
        // profile is measured once, the reloaded weights being the same.
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("abs-gate-up profile measured on 320 tokens")).count(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.contains(" profile measured on ")).count(), r.err());
        for (JsonElement element : rows) {
            JsonObject row = element.getAsJsonObject();
            JsonObject setting = row.getAsJsonObject("setting");
            String label = row.get("method").getAsString();
            assertEquals(label.contains("P4") ? 4 : 2, setting.get("partition").getAsInt(), label);
            assertEquals(label.contains("equal") ? "equal" : "global", setting.get("per_layer").getAsString(), label);
            assertEquals(label.contains("equal") ? "mean T" : "T", row.get("knob").getAsString(), label);
            double realised = row.getAsJsonArray("tasks").get(0).getAsJsonObject().get("decision_drop_rate").getAsDouble();
            assertEquals(0.3, realised, 0.05, label);
        }
        // A wider band runs more pairs major-only at the same drop rate, and the share is given per layer too.
        assertTrue(share(rows, "2t P2 none δ=0.04 global") > share(rows, "2t P2 none δ=0.01 global") + 0.05);
        JsonObject byLayer = rows.asList().stream().map(JsonElement::getAsJsonObject)
                .filter(row -> row.get("method").getAsString().equals("2t P2 none δ=0.04 global")).findFirst().orElseThrow()
                .getAsJsonObject("major_only_share_by_layer");
        assertEquals(List.of("0", "1"), List.copyOf(byLayer.keySet()));

        CliRun fractions = CliRun.of("sweep", "--model", model.toString(), "--task", "kl", "--data", text.toString(),
                "--window", "16", "--calibration", calibration.toString(), "--drop-rates", "0.3", "--methods", "2t",
                "--partition", "4", "--major-fraction", "0.25,0.75", "--per-layer", "sensitivity",
                "--out", dir.resolve("fractions").toString());
        assertEquals(0, fractions.code(), fractions.err());
        assertTrue(fractions.out().contains("| 2t P4/1 | 0.30 | mean T = ") && fractions.out().contains("| 2t P4/3 | 0.30 | mean T = "),
                fractions.out());
        JsonObject quarter = JsonParser.parseString(Files.readString(dir.resolve("fractions").resolve("sweep.json"))).getAsJsonObject()
                .getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals("sensitivity", quarter.getAsJsonObject("setting").get("per_layer").getAsString());
        assertEquals(1, quarter.getAsJsonObject("setting").get("major_parts").getAsInt());

        CliRun bad = CliRun.of("sweep", "--model", model.toString(), "--task", "kl", "--data", text.toString(),
                "--calibration", calibration.toString(), "--methods", "2t", "--partition", "2", "--major-fraction", "0.25",
                "--out", dir.resolve("bad").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("major fraction 0.25 of 2 sub-experts"), bad.err());
    }

    @Test
    void speedupsAreMeasuredForEveryDroppingPointAndCharted() throws IOException {
        Path out = dir.resolve("speed");
        CliRun r = CliRun.of("sweep", "--model", model.toString(), "--task", "kl", "--data", text.toString(), "--window", "16",
                "--calibration", calibration.toString(), "--drop-rates", "0,0.2,0.4", "--methods", "1t,2t,ees",
                "--speed", LayerShapes.SHIPPED, "--speed-tokens", "32,64", "--speed-repeats", "1", "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        JsonArray rows = JsonParser.parseString(Files.readString(out.resolve("sweep.json"))).getAsJsonObject().getAsJsonArray("rows");
        assertEquals(1 + 3 * 2, rows.size());
        assertTrue(!rows.get(0).getAsJsonObject().has("speedups"), "the undropped model is not timed");
        // A timing whose routing lands more than 3 points from the point's rate is left out (few tokens, few pairs);
        // every point is timed at one token count at least, and both token counts appear.
        Set<String> keys = new TreeSet<>();
        for (int i = 1; i < rows.size(); i++) {
            JsonObject speedups = rows.get(i).getAsJsonObject().getAsJsonObject("speedups");
            assertNotNull(speedups, rows.get(i).toString());
            assertTrue(List.of("kjv-moe@32", "kjv-moe@64").containsAll(speedups.keySet()) && !speedups.keySet().isEmpty(),
                    rows.get(i).toString());
            for (String key : speedups.keySet()) {
                assertTrue(speedups.get(key).getAsDouble() > 0, key);
            }
            keys.addAll(speedups.keySet());
        }
        assertEquals(List.of("kjv-moe@32", "kjv-moe@64"), List.copyOf(keys));
        List<String> header = List.of(Files.readAllLines(out.resolve("sweep.csv")).get(0).split(","));
        assertTrue(header.containsAll(List.of("speedup.kjv-moe@32", "speedup.kjv-moe@64")), header.toString());
        String markdown = Files.readString(out.resolve("sweep.md"));
        assertTrue(markdown.contains("| speedup kjv-moe@32 | speedup kjv-moe@64 |"), markdown);
        assertTrue(markdown.contains("Pareto points of kl against MoE-layer speedup, kjv-moe at 32 tokens: "), markdown);
        for (String chart : List.of("kl", "kl-vs-kjv-moe-32", "kl-top1_agreement-vs-kjv-moe-64")) {
            assertNotNull(ImageIO.read(out.resolve("sweep-" + chart + ".png").toFile()), chart);
        }
    }

    private static double share(JsonArray rows, String label) {
        return rows.asList().stream().map(JsonElement::getAsJsonObject).filter(r -> r.get("method").getAsString().equals(label))
                .findFirst().orElseThrow().get("major_only_share").getAsDouble();
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
                "--delta", "0.01",
                "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1t/2t thresholds solved from the calibration profile"), r.out());
        // With a fixed δ, 2T runs the major half of pairs scoring below 2δ even at its lowest threshold T = δ: 1% is out
        // of its reach (a relative margin reaches it).
        assertEquals(List.of("1t,0.01", "1t,0.2", "2t,0.2"), Files.readAllLines(out.resolve("sweep.csv")).stream().skip(1)
                .map(line -> String.join(",", List.of(line.split(",")).subList(0, 2))).toList());
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("Skipped 2t at 0.01: a drop rate of 1.00% is out of reach"),
                r.out());

        CliRun baseline = CliRun.of("sweep", "--model", model.toString(), "--task", "ppl", "--data", text.toString(),
                "--profile", profile.toString(), "--methods", "1t,ees", "--out", out.toString());
        assertEquals(2, baseline.code());
        assertTrue(baseline.err().contains("knobs and activation orders come from calibration text: give --calibration FILE"),
                baseline.err());
    }
}
