package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs calibration data through a model and writes its calibration profile. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Measure a calibration profile: neuron importance for reconstruction and the score"
                + " distribution that turns target drop rates into thresholds.")
final class CalibrateCommand implements Callable<Integer> {

    /** The longest forward pass unless --seq-len says otherwise (or the model allows less). */
    private static final int DEFAULT_SEQ_LEN = 512;

    @Option(names = "--model", description = "Model folder: config.json + *.safetensors (+ tokenizer.json for --data)." + ShippedModel.DEFAULT)
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    TokenSource source;

    @Option(names = "--tokens", defaultValue = "65536", description = "Calibration tokens to use at most (default ${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--seq-len", description = "Longest forward pass; longer sequences are cut (default 512, or the model's maximum).")
    Integer seqLen;

    @Option(names = "--metric", defaultValue = "abs-gate-up",
            description = "Neuron importance: gate, abs-gate, gate-up, abs-gate-up (default ${DEFAULT-VALUE}).")
    String metric;

    /** The margin of the 2T thresholds in the summary. */
    @Mixin
    MarginOptions margin;

    @Option(names = "--out", required = true, description = "The profile file to write.")
    Path out;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        model = ShippedModel.orDefault(model);
        LoadOptions loadOptions = backend.loadOptions();
        ImportanceMetric importance = ImportanceMetric.parse(metric);
        if (tokens < 1) {
            throw new IllegalArgumentException("--tokens must be positive, got " + tokens);
        }
        List<long[]> sequences = TokenSource.sequences(source, model, TokenSource.CALIBRATION, tokens);
        try (MoeLanguageModel lm = MoeLanguageModel.load(model, loadOptions)) {
            int length = seqLen != null ? seqLen : Math.min(DEFAULT_SEQ_LEN, lm.config().decoder().maxPositions());
            CalibrationProfile profile = Calibrator.attach(lm)
                    .run(sequences, importance, length, new ProgressBar(System.err, "calibrating"));
            profile.save(out);
            System.out.println("wrote " + out);
            CalibrationSummary.print(System.out, profile, margin.margin());
        }
        return 0;
    }
}
