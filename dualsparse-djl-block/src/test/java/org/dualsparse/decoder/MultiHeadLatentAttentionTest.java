package org.dualsparse.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dualsparse.config.HfConfig;
import org.dualsparse.config.YarnScaling;
import org.dualsparse.model.Presets;
import org.dualsparse.model.family.DeepseekV2;
import org.dualsparse.nn.RotaryEmbedding;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;

/** The pieces of DeepSeek-V2 attention that parity tests exercise only as a whole. */
class MultiHeadLatentAttentionTest {

    /** Decoding attends in latent space; a prompt expands the latents unless 2·r < n + v. */
    @Test
    void attentionPathFollowsTheMultiplyAddCount() {
        MultiHeadLatentAttention.Spec lite = attention(Presets.load("deepseek-v2-lite", 0));
        assertFalse(lite.attendsInLatentSpace(12, 12));
        assertFalse(lite.attendsInLatentSpace(4096, 4096));
        assertTrue(lite.attendsInLatentSpace(1, 2));
        assertTrue(lite.attendsInLatentSpace(1, 100_000));
        // the parity configs cover both paths in one full pass of 12 tokens
        assertFalse(attention(new HfConfig(TinyConfigs.deepseekV2Lite(), "lite")).attendsInLatentSpace(12, 12));
        assertTrue(attention(new HfConfig(TinyConfigs.deepseekV2(), "v2")).attendsInLatentSpace(12, 12));
    }

    /** V2-Lite's YaRN: dims 64, θ 10⁴, factor 40, original context 4096 give the ramp from index 10 to 23. */
    @Test
    void yarnKeepsFastFrequenciesAndInterpolatesSlowOnes() {
        YarnScaling yarn = new YarnScaling(40, 4096, 32, 1, 0.707, 0.707);
        float[] yarnFreq = inverseFrequencies(RotaryEmbedding.yarn(64, 10000, yarn));
        float[] plain = inverseFrequencies(RotaryEmbedding.standard(64, 10000));
        for (int i = 0; i < 32; i++) {
            double ramp = Math.min(Math.max((i - 10) / 13.0, 0), 1);
            double expected = plain[i] / 40.0 * ramp + plain[i] * (1 - ramp);
            assertEquals(expected, yarnFreq[i], 2e-6 * plain[i], "frequency " + i);
        }
        assertEquals(plain[10], yarnFreq[10], 1e-6 * plain[10]);
        assertEquals(plain[23] / 40, yarnFreq[23], 1e-6 * plain[23]);
    }

    @Test
    void interleavedRotaryRowsBecomeHalvesInEveryBlock() {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] rows = new float[12];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            // two blocks of 6 rows: 2 plain rows, then 4 rotary rows
            NDArray weight = manager.create(rows, new Shape(12, 1));
            float[] reordered = RotaryEmbedding.interleavedRowsAsHalves(weight, 6, 2, 4).toFloatArray();
            assertArrayEquals(new float[] {0, 1, 2, 4, 3, 5, 6, 7, 8, 10, 9, 11}, reordered);
        }
    }

    private static MultiHeadLatentAttention.Spec attention(HfConfig config) {
        return new DeepseekV2().parseConfig(config).attention();
    }

    /** The frequencies, read back from the angles at position 1. */
    private static float[] inverseFrequencies(RotaryEmbedding rotary) {
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDList cosSin = rotary.cosSin(manager.create(new long[] {1}, new Shape(1, 1)));
            float[] cos = cosSin.get(0).toFloatArray();
            float[] sin = cosSin.get(1).toFloatArray();
            float[] inv = new float[rotary.dim() / 2];
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) Math.atan2(sin[i], cos[i]);
            }
            return inv;
        }
    }
}
