package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** {@code bench model} on a tiny preset's random model. */
class BenchModelCommandTest {

    private static JsonObject run(String... extra) {
        String[] base = {"bench", "model", "--preset", "olmoe-tiny", "--layers", "2", "--prompt-tokens", "24", "--gen", "8",
            "--repeats", "2", "--warm-up", "0", "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRun run = CliRun.of(args);
        assertEquals(0, run.code(), run.err());
        return JsonParser.parseString(run.out()).getAsJsonObject();
    }

    @Test
    void reportsPrefillAndDecodeSpeed() {
        JsonObject json = run();
        assertEquals("preset olmoe-tiny", json.get("model").getAsString());
        assertEquals(2, json.get("layers").getAsInt());
        assertEquals(24, json.get("prompt_tokens").getAsInt());
        assertEquals(8, json.get("gen").getAsInt());
        for (String positive : new String[] {"prefill_tokens_per_second", "decode_tokens_per_second",
            "decode_ms_first_quarter", "decode_ms_last_quarter"}) {
            double value = json.get(positive).getAsDouble();
            assertTrue(value > 0 && Double.isFinite(value), positive + " = " + value);
        }
        double decodeMsPerToken = 1e3 / json.get("decode_tokens_per_second").getAsDouble();
        assertTrue(decodeMsPerToken < 1e3, "a tiny model decodes a token in well under a second: " + json);
        assertTrue(!json.has("decision_drop_rate") && !json.has("skipped_work_rate"), "no DualSparseRuntime switch, no drop rate");
    }

    @Test
    void withDualSparseSwitchesReportsTheDropRateAndTheDenseCopyTimedAlongside() {
        JsonObject json = run("--partition", "2", "--method", "1t", "--threshold", "0.2");
        double dropRate = json.get("decision_drop_rate").getAsDouble();
        assertTrue(dropRate > 0 && dropRate < 1, "drop rate " + dropRate);
        double skippedWork = json.get("skipped_work_rate").getAsDouble();
        assertTrue(skippedWork >= 0 && skippedWork <= dropRate, "skipped work " + skippedWork);
        JsonObject dense = json.getAsJsonObject("dense");
        for (String speed : new String[] {"prefill", "decode"}) {
            double droppingSpeed = json.get(speed + "_tokens_per_second").getAsDouble();
            double denseSpeed = dense.get(speed + "_tokens_per_second").getAsDouble();
            assertTrue(denseSpeed > 0 && Double.isFinite(denseSpeed), "dense " + speed + " = " + denseSpeed);
            assertEquals(droppingSpeed / denseSpeed, json.get(speed + "_speedup").getAsDouble(), 1e-9, speed + " speedup");
        }
    }

    @Test
    void layersNeedsAPreset() {
        CliRun run = CliRun.of("bench", "model", "--model", "/nonexistent", "--layers", "2");
        assertTrue(run.code() != 0);
        assertTrue(run.err().contains("--layers applies to --preset only"), run.err());
    }
}
