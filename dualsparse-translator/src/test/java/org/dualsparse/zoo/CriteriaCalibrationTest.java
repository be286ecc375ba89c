package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.MissingProfileException;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A target drop rate through Criteria with no profile file: the thresholds are solved on text calibrated at load. */
class CriteriaCalibrationTest {

    private static final Path SHIPPED = Path.of("..", "models", "kjv-moe").toAbsolutePath().normalize();

    @Test
    void theShippedModelCalibratesOnItsOwnTextAndRealisesTheTarget() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(SHIPPED)
                .optArgument("drop_rate", "0.2")
                .optArgument("max_new_tokens", 8)
                .optArgument("do_sample", "false")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            assertFalse(predictor.predict("And God said").isBlank());
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            assertEquals(ThresholdDropPolicy.class, method.policy().getClass());
            try (StatsWindow window = method.measuring()) {
                runText(MoeLanguageModel.of(model), SHIPPED.resolve(DualSparseSettings.DEFAULT_CALIBRATION_TEXT), SHIPPED);
                // The threshold is solved on the score histogram of this very text: measured 0.19997
                // (AVX-512, AVX2 and default kernels alike); the slack is the histogram's bin width around T.
                assertEquals(0.2, window.stats().rates().decision(), 0.002, "realised drop rate on the calibration text");
            }
        }
    }

    @Test
    void anotherModelCalibratesOnTheTextGivenAndOtherwiseSaysWhichArgumentToAdd(@TempDir Path dir) throws Exception {
        Path qwen = TinyModels.qwen(dir.resolve("qwen"));
        Criteria<String, String> withoutText = MoeCriteria.builder().setTypes(String.class, String.class)
                .optModelPath(qwen).optArgument("drop_rate", "0.2").build();
        MissingProfileException missing = assertThrows(MissingProfileException.class, withoutText::loadModel);
        assertTrue(missing.getMessage().contains("argument profile") && missing.getMessage().contains("calibration_data"),
                missing.getMessage());

        Path text = Files.writeString(dir.resolve("calibration.txt"), String.join("\n\n", List.of(
                "the world and the rest of it, in a world of words", "Hello, and good morning to the world",
                "in the beginning there was a word and the word was the world")));
        Criteria<String, String> withText = MoeCriteria.builder().setTypes(String.class, String.class)
                .optModelPath(qwen).optArgument("drop_rate", "0.15").optArgument("calibration_data", text.toString())
                .optArgument("max_new_tokens", 4).build();
        try (ZooModel<String, String> model = withText.loadModel(); Predictor<String, String> predictor = model.newPredictor()) {
            predictor.predict("Hello");
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            try (StatsWindow window = method.measuring()) {
                runText(MoeLanguageModel.of(model), text, qwen);
                // Measured 0.1487: on a few hundred token-expert pairs one pair moves the rate by about 0.003.
                assertEquals(0.15, window.stats().rates().decision(), 0.01, "realised drop rate on the calibration text");
            }
        }
    }

    /** Runs the documents of {@code text} through {@code lm} in passes of at most 512 tokens, as calibration does. */
    private static void runText(MoeLanguageModel lm, Path text, Path modelDir) {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            for (long[] document : TextDocuments.tokenize(TextDocuments.read(text), tokenizer)) {
                for (int start = 0; start < document.length; start += 512) {
                    long[] chunk = Arrays.copyOfRange(document, start, Math.min(document.length, start + 512));
                    try (NDManager step = lm.model().getNDManager().newSubManager()) {
                        lm.forward(step, new long[][] {chunk}, null, null, true);
                    }
                }
            }
        }
    }
}
