package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --per-layer sensitivity} on the shipped model: the target rate is split by each layer's
 * measured KL on the calibration text, and on held-out text it costs less than one global
 * threshold and than the equal split.
 */
class PerLayerSensitivityCommandTest {

    private static final Path MODEL = Path.of("..").resolve(ShippedModel.DIR).normalize();
    private static final double TARGET = 0.15;

    @Test
    void theMeasuredSplitCostsLessThanTheGlobalAndEqualOnesOnHeldOutText(@TempDir Path dir) {
        Path profile = dir.resolve("kjv.profile");
        CliRun calibrate = CliRun.of("calibrate", "--model", MODEL.toString(), "--data",
                MODEL.resolve("eval").resolve("calibration.txt").toString(), "--tokens", "2048", "--out", profile.toString());
        assertEquals(0, calibrate.code(), calibrate.err());

        JsonObject global = kl(profile, "--per-layer=global");
        JsonObject equal = kl(profile);
        JsonObject sensitivity = kl(profile, "--per-layer", "sensitivity", "--sensitivity-tokens", "512");
        System.out.printf("1T at %.2f, KL on held-out text: global %.5f, equal %.5f, sensitivity-weighted %.5f%n", TARGET,
                global.get("kl").getAsDouble(), equal.get("kl").getAsDouble(), sensitivity.get("kl").getAsDouble());
        for (JsonObject run : List.of(global, equal, sensitivity)) {
            assertEquals(TARGET, run.get("decision_drop_rate").getAsDouble(), 0.02, "held-out rate near the target: " + run);
        }
        assertTrue(sensitivity.get("kl").getAsDouble() < equal.get("kl").getAsDouble(), "below the equal split: " + sensitivity);
        assertTrue(equal.get("kl").getAsDouble() < global.get("kl").getAsDouble(),
                "the equal split, the default, below the global threshold");
        assertEquals(equal.get("kl"), kl(profile, "--per-layer").get("kl"), "--per-layer alone is the equal split");
    }

    @Test
    void sensitivityWithoutATargetRateIsAnErrorSayingWhatToAdd() {
        CliRun run = CliRun.of("logits", "--model", MODEL.toString(), "--ids", "1,2,3", "--method", "1t", "--per-layer", "sensitivity");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("give drop_rate"), run.err());
    }

    /** The kl task's result on the first two held-out chapters, 1T at {@link #TARGET} from {@code profile}. */
    private static JsonObject kl(Path profile, String... split) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", MODEL.toString(), "--task", "kl", "--max-items", "2",
                "--method", "1t", "--profile", profile.toString(), "--drop-rate", Double.toString(TARGET), "--json"));
        args.addAll(List.of(split));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        return JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("tasks").get(0).getAsJsonObject();
    }
}
