package org.dualsparse.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dualsparse.dualsparse.CalibrationProfile;
import org.dualsparse.dualsparse.Calibrator;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.ImportanceMetric;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * The calibration profile of DualSparse settings that need one and name no profile file,
 * measured when the model loads: from the text file {@code calibration_data} (documents separated
 * by blank lines), by default the model folder's {@code eval/calibration.txt} where it has one
 * (the shipped model does). It runs a copy of the model of its own, closed before the model to
 * deploy loads, as {@code calibrate} would.
 */
public final class LoadTimeCalibration {

    /** Where {@code calibration_data} defaults to, inside the model folder. */
    public static final Path DEFAULT_TEXT = Path.of("eval", "calibration.txt");

    /** The calibration tokens used at most ({@code calibrate}'s default). */
    static final long MAX_TOKENS = 65_536;

    /** The longest forward pass ({@code calibrate}'s default). */
    private static final int MAX_LENGTH = 512;

    private LoadTimeCalibration() {}

    /**
     * The profile {@code settings} need on the model in {@code modelDir}, measured now; null when
     * they name a profile file, need none and name no calibration text, or need one the folder has
     * no default text for (applying them then says which argument to add).
     */
    public static CalibrationProfile measureFor(DualSparseSettings settings, Path modelDir) {
        if (settings.profile() != null) {
            return null;
        }
        Path text = settings.calibrationData();
        if (text == null) {
            Path fallback = modelDir.resolve(DEFAULT_TEXT);
            if (!settings.needsProfile() || !Files.isRegularFile(fallback)) {
                return null;
            }
            text = fallback;
        }
        return measure(modelDir, text);
    }

    /** The profile of the model in {@code modelDir} on the first {@link #MAX_TOKENS} tokens of the documents of {@code text}. */
    public static CalibrationProfile measure(Path modelDir, Path text) {
        List<long[]> sequences;
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            sequences = first(TextDocuments.tokenize(TextDocuments.read(text), tokenizer), MAX_TOKENS);
        }
        try (MoeLanguageModel lm = MoeLanguageModel.load(modelDir)) {
            int length = Math.min(MAX_LENGTH, lm.config().decoder().maxPositions());
            return Calibrator.attach(lm).run(sequences, ImportanceMetric.ABS_GATE, length, null);
        }
    }

    private static List<long[]> first(List<long[]> sequences, long maxTokens) {
        List<long[]> out = new ArrayList<>();
        long remaining = maxTokens;
        for (long[] sequence : sequences) {
            if (remaining <= 0) {
                break;
            }
            out.add(sequence.length <= remaining ? sequence : Arrays.copyOf(sequence, (int) remaining));
            remaining -= sequence.length;
        }
        return out;
    }
}
