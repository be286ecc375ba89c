package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code export-partition} command on a random OLMoE checkpoint (16 experts of width 64, top-4, bf16). */
class ExportPartitionCommandTest {

    private static final long[] IDS = {1, 15, 29, 200, 7};

    @TempDir
    static Path model;

    @BeforeAll
    static void writeModel() {
        RandomCheckpoint.write(Presets.load("olmoe-tiny", 2), model, 9, DType.BF16);
    }

    @Test
    void writesACheckpointWithTheSameLogits(@TempDir Path dir) {
        Path out = dir.resolve("olmoe-p4");
        CliRun r = CliRun.of("export-partition", "--model", model.toString(), "--partition", "4",
                "--reconstruct", "weight", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("wrote " + out + ": 64 experts of width 16, 16 per token\n", r.out());
        HfConfig config = HfConfig.read(out.resolve("config.json"));
        assertEquals(64, config.requireInt("num_experts"));
        assertEquals(16, config.requireInt("num_experts_per_tok"));
        assertEquals(16, config.requireInt("intermediate_size"));
        try (MoeLanguageModel original = MoeLanguageModel.load(model);
                MoeLanguageModel exported = MoeLanguageModel.load(out)) {
            float[] expected = original.lastLogits(IDS);
            float[] actual = exported.lastLogits(IDS);
            float scale = 0;
            float diff = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(diff <= 1e-5f * scale, "max |Δlogit| " + diff + " at logit scale " + scale);
        }
    }

    @Test
    void refusalsAreOneLineErrorsAndExitCode2(@TempDir Path dir) {
        Path out = dir.resolve("out");
        CliRun indivisible = CliRun.of("export-partition", "--model", model.toString(), "--partition", "3", "--out", out.toString());
        assertEquals(2, indivisible.code());
        assertEquals("error: " + model.resolve("config.json") + ": intermediate_size = 64 is not divisible into 3 equal parts\n",
                indivisible.err());
        assertFalse(Files.exists(out));

        CliRun unknown = CliRun.of("export-partition", "--model", model.toString(), "--partition", "2",
                "--reconstruct", "profile", "--out", out.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("'profile' is not one of: none, weight"), unknown.err());
    }
}
