package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.dualsparse.golden.GoldenFixture;
import org.dualsparse.golden.LogitComparison;
import org.junit.jupiter.api.Test;

/**
 * The shipped bf16 checkpoint {@code models/kjv-moe} computes what transformers'
 * {@code MixtralForCausalLM} computes from it (float32, eager) on held-out lines: at every
 * position the 32 largest of transformers' logits, and the last position's whole row, within
 * 1e-4 of the logit scale; and at every position the same top token.
 */
class ShippedModelTransformersParityTest {

    @Test
    void logitsOnHeldOutLinesEqualMixtralForCausalLM() {
        GoldenFixture fixture = GoldenFixture.named("kjv-moe");
        int vocab = fixture.meta().get("vocab_size").getAsInt();
        try (MoeLanguageModel lm = MoeLanguageModel.load(GoldenFixture.shippedModel())) {
            assertEquals(vocab, lm.config().decoder().vocabSize());
            for (JsonElement element : fixture.meta().getAsJsonArray("lines")) {
                JsonObject line = element.getAsJsonObject();
                long[] ids = GoldenFixture.longs(line.getAsJsonArray("ids"));
                float[] ours = TestModels.logits(lm, new long[][] {ids}, null, null);
                LogitComparison comparison = new LogitComparison()
                        .add(fixture.floats(line.get("last_logits_file").getAsString()), 0,
                                ours, (ids.length - 1) * vocab, vocab);
                JsonArray topIds = line.getAsJsonArray("top_ids");
                JsonArray topLogits = line.getAsJsonArray("top_logits");
                for (int s = 0; s < ids.length; s++) {
                    long[] positionIds = GoldenFixture.longs(topIds.get(s).getAsJsonArray());
                    float[] expected = new float[positionIds.length];
                    float[] actual = new float[positionIds.length];
                    for (int k = 0; k < positionIds.length; k++) {
                        expected[k] = topLogits.get(s).getAsJsonArray().get(k).getAsFloat();
                        actual[k] = ours[s * vocab + (int) positionIds[k]];
                    }
                    comparison.add(expected, actual);
                    assertEquals(positionIds[0], argMax(ours, s * vocab, vocab), "top token at position " + s);
                }
                System.out.printf("transformers parity kjv-moe %-40.40s %s%n", line.get("text").getAsString(), comparison);
                assertTrue(comparison.within(1e-4), line.get("text").getAsString() + ": " + comparison);
            }
        }
    }

    private static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
