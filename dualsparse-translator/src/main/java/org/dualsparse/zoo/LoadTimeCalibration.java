package org.dualsparse.zoo;

import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * What DualSparse settings measure on calibration text when the model loads: the calibration
 * profile of settings that need one and name no profile file, and the tokens {@code
 * per_layer=sensitivity} measures layer costs on. The text is {@code calibration_data} (documents
 * separated by blank lines), by default the model folder's {@link
 * DualSparseSettings#DEFAULT_CALIBRATION_TEXT} where it has one (the shipped model does). The
 * profile is measured on the loaded model itself, before the settings partition it: calibration
 * only observes its MoE blocks.
 */
public final class LoadTimeCalibration {

    /** The calibration tokens used at most ({@code calibrate}'s default). */
    static final long MAX_TOKENS = 65_536;

    /** The longest forward pass ({@code calibrate}'s default). */
    private static final int MAX_LENGTH = 512;

    private LoadTimeCalibration() {}

    /**
     * The profile {@code settings} need on {@code lm}, loaded from {@code modelDir} and not yet
     * partitioned, measured now; null when
     * they name a profile file, need none and name no calibration text, or need one the folder has
     * no default text for (applying them then says which argument to add).
     */
    public static CalibrationProfile measureFor(DualSparseSettings settings, MoeLanguageModel lm, Path modelDir) {
        if (settings.profile() != null || settings.calibrationData() == null && !settings.needsProfile()) {
            return null;
        }
        Path text = settings.calibrationText(modelDir);
        return text == null ? null : measure(lm, modelDir, text);
    }

    /**
     * The tokens {@code settings} measure layer sensitivity on ({@code per_layer=sensitivity}),
     * tokenised with the folder's tokenizer; null for any other split.
     */
    public static List<long[]> sensitivityTokens(DualSparseSettings settings, Path modelDir) {
        if (settings.perLayer() != DualSparseSettings.PerLayer.SENSITIVITY) {
            return null;
        }
        return tokens(modelDir, settings.sensitivityText(modelDir), settings.sensitivityTokens());
    }

    /**
     * The profile of {@code lm} on the first {@link #MAX_TOKENS} tokens of the documents of {@code
     * text}, tokenised with {@code modelDir}'s tokenizer.
     */
    public static CalibrationProfile measure(MoeLanguageModel lm, Path modelDir, Path text) {
        List<long[]> sequences = tokens(modelDir, text, MAX_TOKENS);
        int length = Math.min(MAX_LENGTH, lm.config().decoder().maxPositions());
        return Calibrator.attach(lm).run(sequences, ImportanceMetric.DEFAULT, length, null);
    }

    private static List<long[]> tokens(Path modelDir, Path text, long maxTokens) {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            return Chunks.first(TextDocuments.tokenize(TextDocuments.read(text), tokenizer), maxTokens);
        }
    }
}
