package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Criteria {@code per_layer=sensitivity}: the block factory tokenises {@code calibration_data}
 * with the model's tokenizer and installs the same per-layer thresholds as the settings applied
 * to those tokens directly.
 */
class SensitivityCriteriaTest {

    private static final String TEXT = """
            In the beginning was the word, and the word was with the rest of the world.

            The quick brown fox jumps over the lazy dog, again and again, in a world of its own.

            Grüße aus der Welt: numbers 1 2 3 and 中文 characters mixed with plain English words.
            """;

    @Test
    void theFactoryMeasuresOnTheGivenTextAsTheSettingsDo(@TempDir Path dir) throws Exception {
        Path qwen = TinyModels.qwen(dir.resolve("qwen"));
        Path text = Files.writeString(dir.resolve("calibration.txt"), TEXT);
        List<long[]> tokens;
        try (TextTokenizer tokenizer = TextTokenizer.load(qwen)) {
            tokens = TextDocuments.tokenize(TextDocuments.read(text), tokenizer);
        }
        Path profile = dir.resolve("qwen.profile");
        try (MoeLanguageModel lm = MoeLanguageModel.load(qwen)) {
            Calibrator.attach(lm).run(tokens, ImportanceMetric.ABS_GATE, 64, null).save(profile);
        }
        Map<String, Object> arguments = Map.of("method", "1t", "profile", profile.toString(), "drop_rate", "0.2",
                "per_layer", "sensitivity", "calibration_data", text.toString());

        ThresholdDropPolicy expected;
        try (MoeLanguageModel lm = MoeLanguageModel.load(qwen)) {
            expected = (ThresholdDropPolicy) DualSparseSettings.fromArguments(arguments).applyTo(lm, null, tokens).policy();
        }
        Criteria.Builder<String, String> builder = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen);
        arguments.forEach(builder::optArgument);
        try (ZooModel<String, String> model = builder.build().loadModel()) {
            ThresholdDropPolicy installed = (ThresholdDropPolicy) DualSparseRuntime.of(model.getBlock()).orElseThrow().policy();
            for (int layer : List.of(0, 1)) {
                assertEquals(expected.threshold(layer), installed.threshold(layer), "layer " + layer);
            }
        }

        Criteria.Builder<String, String> withoutData = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen);
        Map.of("method", "1t", "profile", profile.toString(), "drop_rate", "0.2", "per_layer", "sensitivity")
                .forEach(withoutData::optArgument);
        Exception missing = assertThrows(Exception.class, () -> withoutData.build().loadModel().close());
        assertTrue(causes(missing).contains("give calibration_data"), causes(missing));
    }

    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append(" / ");
        }
        return out.toString();
    }
}
