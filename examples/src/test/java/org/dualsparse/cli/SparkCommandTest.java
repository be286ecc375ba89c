package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.RoutingTrace;
import org.dualsparse.eval.TextDocuments;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code spark} commands in {@code local[2]} on a few chapters of the shipped model's held-out
 * text: their files, their exit codes, and the figures of the single-process commands.
 */
@Tag("kernel-insensitive")
class SparkCommandTest {

    private static final String[] LOCAL = {"--master", "local[2]", "--conf", "spark.ui.enabled=false"};

    @TempDir
    static Path dir;

    static Path chapters;

    @BeforeAll
    static void writeChapters() throws IOException {
        List<String> text = TextDocuments.read(ShippedModel.orDefault(null).resolve("eval").resolve("heldout.txt")).subList(0, 4);
        chapters = Files.writeString(dir.resolve("chapters.txt"), String.join("\n\n", text));
    }

    @Test
    void scoreGivesEvalsPerplexity() throws IOException {
        Path out = dir.resolve("score");
        CliRun spark = run("score", "--data", chapters.toString(), "--out", out.toString(), "--format", "jsonl");
        assertEquals(0, spark.code(), spark.err());
        JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
        List<String> rows = Files.readAllLines(out.resolve("rows.jsonl"));
        assertEquals(4, rows.size());
        assertEquals(3, JsonParser.parseString(rows.get(3)).getAsJsonObject().get("id").getAsLong());

        CliRun eval = CliRun.of("eval", "--task", "ppl", "--data", chapters.toString(), "--json");
        assertEquals(0, eval.code(), eval.err());
        JsonObject ppl = JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonArray("tasks").get(0).getAsJsonObject();
        double perplexity = ppl.get("perplexity").getAsDouble();
        assertEquals(ppl.get("tokens").getAsLong(), summary.get("tokens").getAsLong());
        assertEquals(perplexity, summary.get("perplexity").getAsDouble(), 1e-9 * perplexity);
        assertTrue(!summary.has("decision_drop_rate"), "no DualSparse switch, no drop rate");
    }

    @Test
    void calibrateWritesTheProfileOfCalibrateAndATraceEpSimReplays() throws IOException {
        Path out = dir.resolve("calibrate");
        CliRun spark = run("calibrate", "--data", chapters.toString(), "--out", out.toString(), "--trace", "--partitions", "3");
        assertEquals(0, spark.code(), spark.err());
        assertTrue(spark.out().contains("global threshold T per target"), spark.out());
        Path single = dir.resolve("single.profile");
        CliRun calibrate = CliRun.of("calibrate", "--data", chapters.toString(), "--out", single.toString());
        assertEquals(0, calibrate.code(), calibrate.err());

        CalibrationProfile want = CalibrationProfile.load(single);
        CalibrationProfile got = CalibrationProfile.load(out.resolve("dualsparse.profile"));
        assertEquals(want.tokens(), got.tokens());
        for (int i = 0; i < want.layers().size(); i++) {
            assertArrayEquals(want.layers().get(i).scores().counts(), got.layers().get(i).scores().counts());
        }
        List<LayerRouting> trace = RoutingTrace.read(out.resolve("routing-trace.txt"));
        assertEquals(want.tokens() * want.layers().size(), trace.stream().mapToLong(b -> b.routing().numTokens()).sum());
        CliRun replay = CliRun.of("ep-sim", "--data", chapters.toString(), "--trace", out.resolve("routing-trace.txt").toString(),
                "--devices", "4", "--drop-rate", "0.25", "--json");
        assertEquals(0, replay.code(), replay.err());
    }

    @Test
    void generateReportsARowItCannotAnswerAndExitsWithOne() throws IOException {
        Path prompts = Files.write(dir.resolve("prompts.jsonl"),
                List.of("{\"prompt\": \"And God said\"}", "{\"title\": \"no prompt here\"}", "{\"prompt\": \"In the beginning\"}"));
        Path out = dir.resolve("generate");
        CliRun spark = run("generate", "--data", prompts.toString(), "--out", out.toString(), "--format", "jsonl",
                "--max-tokens", "8", "--seed", "3", "--drop-rate", "0.25");
        assertEquals(1, spark.code(), spark.err());
        assertTrue(spark.err().contains("1 of 3 rows failed"), spark.err());
        List<String> rows = Files.readAllLines(out.resolve("rows.jsonl"));
        assertEquals("row 1 has no prompt", JsonParser.parseString(rows.get(1)).getAsJsonObject().get("error").getAsString());
        JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
        assertEquals(16, summary.get("generated_tokens").getAsLong());
        assertTrue(summary.get("decision_drop_rate").getAsDouble() > 0.05, summary.toString());

        CliRun again = run("generate", "--data", prompts.toString(), "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("is not empty"), again.err());
        CliRun noModel = run("score", "--data", chapters.toString(), "--out", dir.resolve("none").toString(), "--model", dir.toString());
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("holds no config.json"), noModel.err());
        Path broken = Files.createDirectories(dir.resolve("broken-model"));
        Files.writeString(broken.resolve("config.json"), "{\"model_type\": \"mixtral\"}");
        CliRun failedJob = run("score", "--data", chapters.toString(), "--out", dir.resolve("none").toString(), "--model", broken.toString());
        assertEquals(2, failedJob.code());
        assertTrue(failedJob.err().contains("error: spark score failed: ") && failedJob.err().contains(broken.toString()), failedJob.err());
        CliRun badSwitch = run("score", "--data", chapters.toString(), "--out", dir.resolve("none").toString(), "--threshold", "-1");
        assertEquals(2, badSwitch.code());
        assertTrue(badSwitch.err().contains("threshold"), badSwitch.err());
    }

    private static CliRun run(String job, String... args) {
        String[] all = new String[2 + LOCAL.length + args.length];
        all[0] = "spark";
        all[1] = job;
        System.arraycopy(LOCAL, 0, all, 2, LOCAL.length);
        System.arraycopy(args, 0, all, 2 + LOCAL.length, args.length);
        return CliRun.of(all);
    }
}
