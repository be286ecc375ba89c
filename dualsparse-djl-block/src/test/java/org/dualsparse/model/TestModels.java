package org.dualsparse.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import org.dualsparse.config.HfConfig;

/** Models with random weights, built in memory, for tests that need no checkpoint file. */
final class TestModels {

    private TestModels() {}

    static MoeLanguageModel random(HfConfig config, long seed) {
        TorchEngine.get();
        ModelFamily<?> family = ModelRegistry.forConfig(config);
        return build(family, config, seed);
    }

    private static <C extends FamilyConfig> MoeLanguageModel build(ModelFamily<C> family, HfConfig config, long seed) {
        Model model = Model.newInstance(family.modelType(), Device.cpu(), "PyTorch");
        return MoeLanguageModel.build(
                family, family.parseConfig(config), model, new RandomWeights(model.getNDManager(), seed), null);
    }

    /** Logits {@code [B][S·V]} of a batch, run in a scoped manager. */
    static float[] logits(MoeLanguageModel lm, long[][] ids, long[][] mask, KvCache cache) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, ids, mask, cache, false).toFloatArray();
        }
    }

    static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    static float maxAbsDiff(float[] a, float[] b, int aOffset, int bOffset, int length) {
        float max = 0;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, Math.abs(a[aOffset + i] - b[bOffset + i]));
        }
        return max;
    }
}
