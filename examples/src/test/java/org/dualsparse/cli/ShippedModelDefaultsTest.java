package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user runs first on the shipped model, with as few options as possible: no
 * {@code --model}, no {@code --data}, {@code --partition} alone, from any working directory.
 */
class ShippedModelDefaultsTest {

    private static final Path MODEL = Path.of("..").resolve(ShippedModel.DIR).toAbsolutePath().normalize();

    private static final String PROMPT_IDS = "1,15,29,40,2,7,300,45,12,99";

    @Test
    void partitionAloneGivesTheDenseLogitsAndDropsNothing(@TempDir Path dir) throws IOException {
        Path dense = dir.resolve("dense.bin");
        Path partitioned = dir.resolve("partitioned.bin");
        CliRun plain = CliRun.of("logits", "--ids", PROMPT_IDS, "--logits-out", dense.toString(), "--json");
        assertEquals(0, plain.code(), plain.err());
        CliRun partition = CliRun.of("logits", "--ids", PROMPT_IDS, "--partition", "2", "--logits-out", partitioned.toString(), "--json");
        assertEquals(0, partition.code(), partition.err());
        assertEquals(0.0, JsonParser.parseString(partition.out()).getAsJsonObject().get("decision_drop_rate").getAsDouble());
        // Measured 2.0e-7 (AVX-512, default kernels) and 2.7e-7 (AVX2) of the logit scale: the
        // sub-experts sum the same products in another order.
        LogitFiles.assertClose(LogitFiles.read(dense), LogitFiles.read(partitioned), "--partition 2 against the dense model");

        // Through Criteria (generate), --partition alone is the same rule: greedy text unchanged, nothing dropped.
        CliRun denseText = CliRun.of("generate", "--prompt", "And God said", "--max-tokens", "8", "--temperature", "0", "--json");
        CliRun partitionedText = CliRun.of("generate", "--prompt", "And God said", "--max-tokens", "8", "--temperature", "0",
                "--partition", "2", "--json");
        assertEquals(0, partitionedText.code(), partitionedText.err());
        JsonObject partitionedJson = JsonParser.parseString(partitionedText.out()).getAsJsonObject();
        assertEquals(JsonParser.parseString(denseText.out()).getAsJsonObject().get("token_ids"), partitionedJson.get("token_ids"));
        assertEquals(0.0, partitionedJson.get("decision_drop_rate").getAsDouble());
    }

    @Test
    void generateFindsTheShippedModelFromAnotherWorkingDirectory(@TempDir Path elsewhere) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                        "-cp", System.getProperty("java.class.path"), DualSparseCli.class.getName(),
                        "generate", "--prompt", "And God said", "--max-tokens", "4", "--temperature", "0", "--json")
                .directory(elsewhere.toFile())
                .redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        CliRun here = CliRun.of("generate", "--model", MODEL.toString(), "--prompt", "And God said", "--max-tokens", "4",
                "--temperature", "0", "--json");
        assertEquals(JsonParser.parseString(here.out()).getAsJsonObject().get("token_ids"),
                JsonParser.parseString(output.substring(output.indexOf('{'))).getAsJsonObject().get("token_ids"), output);
    }

    @Test
    void dataCommandsDefaultToTheModelsEvalText(@TempDir Path dir) throws IOException {
        CliRun usage = CliRun.of("expert-usage", "--tokens", "2048", "--json");
        assertEquals(0, usage.code(), usage.err());
        CliRun usageOfHeldOut = CliRun.of("expert-usage", "--tokens", "2048", "--json",
                "--data", MODEL.resolve("eval/heldout.txt").toString());
        assertEquals(usageOfHeldOut.out(), usage.out(), "expert-usage counts the held-out text");

        CliRun epSim = CliRun.of("ep-sim", "--tokens", "1024", "--drop-rate", "0.25", "--json");
        assertEquals(0, epSim.code(), epSim.err());
        JsonObject uniform = JsonParser.parseString(epSim.out()).getAsJsonObject().getAsJsonObject("uniform");
        assertTrue(uniform.get("speedup").getAsDouble() > 1, epSim.out());

        Path profile = dir.resolve("kjv.profile");
        CliRun calibrate = CliRun.of("calibrate", "--out", profile.toString());
        assertEquals(0, calibrate.code(), calibrate.err());
        long calibrationTokens = CalibrationData.text(MODEL.resolve("eval/calibration.txt"), MODEL, Long.MAX_VALUE).stream()
                .mapToLong(s -> s.length).sum();
        assertEquals(calibrationTokens, CalibrationProfile.load(profile).tokens(), "calibrate measures the calibration text");

        Path bare = dir.resolve("bare");
        Files.createDirectories(bare);
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(MODEL.resolve(file), bare.resolve(file));
        }
        for (String[] command : List.of(new String[] {"expert-usage"}, new String[] {"ep-sim", "--drop-rate", "0.25"},
                new String[] {"calibrate", "--out", dir.resolve("bare.profile").toString()})) {
            String[] args = new String[command.length + 2];
            System.arraycopy(command, 0, args, 0, command.length);
            args[command.length] = "--model";
            args[command.length + 1] = bare.toString();
            CliRun run = CliRun.of(args);
            assertEquals(2, run.code(), command[0] + ": " + run.out());
            assertTrue(run.err().contains("--data") && run.err().contains(bare.resolve("eval").toString()), run.err());
        }
    }

    @Test
    void aTargetDropRateNeedsNoProfileOnTheShippedModel(@TempDir Path dir) {
        CliRun logits = CliRun.of("logits", "--ids", PROMPT_IDS, "--drop-rate", "0.2", "--json");
        assertEquals(0, logits.code(), logits.err());
        assertTrue(JsonParser.parseString(logits.out()).getAsJsonObject().get("decision_drop_rate").getAsDouble() > 0, logits.out());

        CliRun sweep = CliRun.of("sweep", "--task", "ppl", "--max-items", "1", "--drop-rates", "0,0.2", "--methods", "1t,ees",
                "--calibration-tokens", "1024", "--out", dir.toString());
        assertEquals(0, sweep.code(), sweep.err());
        assertTrue(sweep.out().contains("calibration.txt"), "knobs solved on the shipped calibration text: " + sweep.out());
    }
}
