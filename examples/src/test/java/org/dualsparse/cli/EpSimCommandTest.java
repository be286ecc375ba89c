package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.dualsparse.plot.Png;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ep-sim} command on a tiny random checkpoint. */
class EpSimCommandTest {

    @TempDir
    static Path dir;

    private static Path model;
    private static Path ids;

    @BeforeAll
    static void writeModelAndIds() throws IOException {
        model = dir.resolve("model");
        RandomCheckpoint.write(Presets.load("olmoe-tiny", 2), model, 5, DType.BF16);
        ids = Files.writeString(dir.resolve("ids.txt"), "1 15 29 40 2 7 9 11 3 5 8 13 21 34 55 89\n4 6 8 10 12 14 16 18 20 22 24\n");
    }

    @Test
    void comparesUniformAndLoadAwareAtEqualDropRateAndReplaysItsTrace() {
        Path trace = dir.resolve("trace.txt");
        CliRun recorded = CliRun.of("ep-sim", "--model", model.toString(), "--ids", ids.toString(), "--devices", "4",
                "--drop-rate", "0.15", "--placement", "round-robin", "--trace-out", trace.toString(), "--json");
        assertEquals(0, recorded.code(), recorded.err());
        JsonObject json = JsonParser.parseString(recorded.out()).getAsJsonObject();
        JsonObject uniform = json.getAsJsonObject("uniform");
        JsonObject loadAware = json.getAsJsonObject("load_aware");
        assertEquals(2, uniform.getAsJsonArray("layers").size());
        assertEquals(0.15, uniform.get("decision_drop_rate").getAsDouble(), 0.03);
        assertEquals(uniform.get("decision_drop_rate").getAsDouble(), loadAware.get("decision_drop_rate").getAsDouble(), 0.03);
        for (JsonObject result : new JsonObject[] {uniform, loadAware}) {
            assertTrue(result.get("speedup").getAsDouble() >= 1, result.toString());
            double agreement = result.get("top1_agreement").getAsDouble();
            assertTrue(agreement > 0 && agreement <= 1, result.toString());
            assertTrue(result.get("kl").getAsDouble() >= 0, result.toString());
        }

        CliRun replayed = CliRun.of("ep-sim", "--model", model.toString(), "--ids", ids.toString(), "--devices", "4",
                "--drop-rate", "0.15", "--placement", "round-robin", "--trace", trace.toString(), "--json");
        assertEquals(0, replayed.code(), replayed.err());
        assertEquals(uniform.get("speedup"), JsonParser.parseString(replayed.out()).getAsJsonObject()
                .getAsJsonObject("uniform").get("speedup"), "the trace replays the recorded routings");
    }

    @Test
    void tableOutputChartAndTypedPlacementErrors() throws IOException {
        Path png = dir.resolve("ep.png");
        CliRun table = CliRun.of("ep-sim", "--model", model.toString(), "--ids", ids.toString(), "--devices", "2",
                "--drop-rate", "0.1", "--redundant", "1", "--method", "1t", "--png", png.toString(), "--drop-rates", "0.05,0.1,0.2");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("load-aware T_max"), table.out());
        assertEquals(Png.WIDTH, ImageIO.read(png.toFile()).getWidth());

        Path placement = Files.writeString(dir.resolve("placement.txt"), "devices 2\n0 0\n1 5\n");
        CliRun bad = CliRun.of("ep-sim", "--model", model.toString(), "--ids", ids.toString(), "--devices", "2",
                "--drop-rate", "0.1", "--placement", placement.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains(placement + ":3: device 5 out of range"), bad.err());
    }
}
