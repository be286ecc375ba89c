package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a command takes its token sequences from: text through the model's tokenizer, or ids. */
final class TokenSource {

    @Option(names = "--data", description = "Text: .txt (paragraphs split at blank lines) or .jsonl (a \"text\" field per line),"
            + " tokenised with the model folder's tokenizer.json.")
    Path data;

    @Option(names = "--ids", description = "Token ids: one sequence per line, ids separated by commas or spaces.")
    Path ids;

    /** At most {@code tokens} tokens of sequences. */
    List<long[]> sequences(Path model, long tokens) {
        return ids != null ? CalibrationData.ids(ids, tokens) : CalibrationData.text(data, model, tokens);
    }
}
