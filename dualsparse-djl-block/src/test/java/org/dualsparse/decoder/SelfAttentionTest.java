package org.dualsparse.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.dualsparse.config.DecoderConfig;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.nn.RotaryEmbedding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A self-attention block runs on its own through DJL's forward, given its inputs as arrays. */
class SelfAttentionTest {

    private static final int STEPS = 5;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-moe-tiny", "deepseek-v2-tiny"})
    void djlForwardWithExplicitInputsEqualsAttend(String preset) {
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load(preset, 1), 3);
                NDManager step = lm.model().getNDManager().newSubManager()) {
            DecoderConfig d = lm.config().decoder();
            SelfAttention attention = lm.block().layers().get(0).attention();
            int rotaryDim = attention instanceof MultiHeadLatentAttention mla ? mla.spec().ropeHeadDim() : d.headDim();
            NDList cosSin = RotaryEmbedding.standard(rotaryDim, d.ropeTheta())
                    .cosSin(step.arange(0, STEPS, 1, DataType.INT64).expandDims(0));
            AttentionMasks masks = AttentionMasks.of(CausalLmBlock.ones(1, STEPS), STEPS, step);
            NDArray x = step.randomNormal(0, 1, new Shape(1, STEPS, d.hiddenSize()), DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(step, false);

            NDArray attended = attention.attend(ps, x, new AttentionInputs(cosSin.get(0), cosSin.get(1), masks, null));
            NDArray viaDjl = attention.forward(
                    ps, new NDList(x, cosSin.get(0), cosSin.get(1), masks.forWindow(0)), false, null).head();

            assertArrayEquals(attended.toFloatArray(), viaDjl.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> attention.forward(ps, new NDList(x), false, null));
        }
    }
}
