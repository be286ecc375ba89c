package org.dualsparse.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.dualsparse.DualSparseSettings;
import picocli.CommandLine.Option;

/**
 * Where a command takes its token sequences from: text through the model's tokenizer, or ids;
 * when neither is given, a text file of the model folder (the shipped model has them in
 * {@code eval/}).
 */
final class TokenSource {

    /** The held-out text of a model folder. */
    static final Path HELDOUT = EvalOptions.DEFAULT_TEXT;

    /** The calibration text of a model folder. */
    static final Path CALIBRATION = DualSparseSettings.DEFAULT_CALIBRATION_TEXT;

    @Option(names = "--data", description = "Text: .txt (paragraphs split at blank lines) or .jsonl (a \"text\" field per line),"
            + " tokenised with the model folder's tokenizer.json (default: MODEL/eval/calibration.txt for calibrate,"
            + " MODEL/eval/heldout.txt otherwise, if it exists).")
    Path data;

    @Option(names = "--ids", description = "Token ids: one sequence per line, ids separated by commas or spaces.")
    Path ids;

    /**
     * At most {@code tokens} tokens of sequences from {@code source}, or when it is null (neither
     * option given) from the text {@code defaultText} inside the model folder.
     */
    static List<long[]> sequences(TokenSource source, Path model, Path defaultText, long tokens) {
        if (source != null) {
            return source.ids != null ? CalibrationData.ids(source.ids, tokens) : CalibrationData.text(source.data, model, tokens);
        }
        Path text = model.resolve(defaultText);
        if (!Files.isRegularFile(text)) {
            throw new IllegalArgumentException("give --data FILE (.txt or .jsonl) or --ids FILE: the model has no " + text
                    + " to default to");
        }
        return CalibrationData.text(text, model, tokens);
    }
}
