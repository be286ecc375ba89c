package org.dualsparse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.parallel.ReplayedTargets;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Evaluates every setting of a drop method at every target drop rate on one model, switching drop
 * policies between runs, and writes the results as Markdown, CSV, JSON and charts. A setting is
 * a method with a split (P and major fraction), a neuron order, a 2T margin and a per-layer split;
 * every list given is an axis, and the sweep runs their product where it applies (1T has no
 * margin, split or order; the baselines no per-layer split). Knobs are solved on calibration
 * text, never on the text evaluated; {@code --speed} times each point's MoE layer too.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Evaluate each setting of each method at each target (decision) drop rate; write sweep.md, sweep.csv,"
                + " sweep.json and sweep-*.png charts of each metric against the realised decision drop rate (and against"
                + " the measured MoE-layer speedup with --speed), Pareto points marked.")
final class SweepCommand implements Callable<Integer> {

    /** The longest forward pass of a calibration measurement ({@code calibrate}'s default). */
    private static final int CALIBRATION_LENGTH = 512;

    @Mixin
    EvalOptions options;

    @Mixin
    BackendOptions backend;

    @Option(names = "--drop-rates", split = ",", defaultValue = "0,0.1,0.2,0.3,0.4,0.5",
            description = "Target drop rates; 0 is the undropped model, run once for all methods (default ${DEFAULT-VALUE}).")
    List<Double> dropRates;

    @Option(names = "--methods", split = ",", defaultValue = "1t,2t",
            description = "Drop methods: 1t, 2t, ees, top-p, capacity (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--partition", split = ",", description = "Sub-experts per expert, a list (default "
            + DualSparseSettings.DEFAULT_PARTS + ").")
    List<Integer> partitions;

    @Option(names = "--major-fraction", split = ",", description = "Share of the sub-experts a major-only pair computes, a list"
            + " of multiples of 1/P (default one half).")
    List<Double> majorFractions;

    @Option(names = "--reconstruct", split = ",", description = "Neuron orders, a list of none, weight, profile (the order of"
            + " --profile) and the importance metrics gate, abs-gate, gate-up, abs-gate-up (each measured on --calibration)"
            + " (default: the order a user gets).")
    List<String> reconstructions;

    @Option(names = "--delta", split = ",", description = "2T fixed margins δ, a list (default: --relative-delta "
            + DualSparseSettings.DEFAULT_RELATIVE_DELTA + ").")
    List<Double> deltas;

    @Option(names = "--relative-delta", split = ",", description = "2T margins as fractions ρ of the threshold, δ = ρ·T, a list;"
            + " with --delta, both kinds are swept (default " + DualSparseSettings.DEFAULT_RELATIVE_DELTA + ").")
    List<Double> relativeDeltas;

    @Option(names = "--per-layer", split = ",", description = "How 1t/2t thresholds spread the target over the layers, a list"
            + " of global, equal and sensitivity (default: the split a user gets).")
    List<String> perLayer;

    @Option(names = "--profile", description = "Calibration profile of this model: the 1t/2t thresholds and the order of"
            + " --reconstruct profile (default: measured on --calibration).")
    Path profile;

    @Option(names = "--calibration", description = "Calibration text, .txt (paragraphs split at blank lines) or .jsonl (a"
            + " \"text\" field per line): the profile thresholds and activation orders come from, the routings the"
            + " baselines' knobs are solved on, and per-layer sensitivity's text (default: MODEL/eval/calibration.txt).")
    Path calibration;

    @Option(names = "--calibration-tokens", defaultValue = "8192",
            description = "Tokens of --calibration to use at most (default ${DEFAULT-VALUE}).")
    int calibrationTokens;

    @Option(names = "--speed", split = ",", paramLabel = "SHAPES", description = "Also time every point's MoE layer at these"
            + " shapes (" + LayerShapes.NAMES + ") as bench moe does: 1t/2t dropping and halving the shares of pairs they"
            + " do on the calibration text, the baselines at their realised drop rate.")
    List<String> speedShapes;

    @Option(names = "--speed-tokens", split = ",", defaultValue = "16,128",
            description = "Tokens per timed call for --speed (default ${DEFAULT-VALUE}).")
    List<Integer> speedTokens;

    @Option(names = "--speed-repeats", defaultValue = "9", description = "Timed calls per point for --speed (default ${DEFAULT-VALUE}).")
    int speedRepeats;

    @Option(names = "--out", required = true, description = "Folder for sweep.md, sweep.csv, sweep.json and the charts.")
    Path out;

    @Option(names = "--formats", split = ",", paramLabel = "FORMAT",
            description = "Run the whole sweep once per weight format (f32 on libtorch, int8 and int4 on onnxruntime), into"
                    + " one report and one chart per metric, rows labelled FORMAT METHOD; instead of --backend/--weights.")
    List<String> formats;

    @Override
    public Integer call() throws IOException {
        options.resolveModel();
        LoadOptions loadOptions = backend.loadOptions();
        List<EvalTask> tasks = options.parsedTasks();
        Path text = options.textData(tasks);
        Path defaultCalibration = options.model.resolve(DualSparseSettings.DEFAULT_CALIBRATION_TEXT);
        if (calibration == null && Files.isRegularFile(defaultCalibration)) {
            calibration = defaultCalibration;
        }
        for (double rate : dropRates) {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("--drop-rates must lie in [0, 1), got " + rate);
            }
        }
        SweepSettings settings = SweepSettings.of(methods, partitions, majorFractions, reconstructions, deltas, relativeDeltas,
                perLayer);
        if (settings.usesProfileOrder() && profile == null) {
            throw new IllegalArgumentException("--reconstruct profile takes the order of --profile: give --profile FILE");
        }
        boolean dropping = dropRates.stream().anyMatch(r -> r > 0);
        if (calibration == null && (dropping && (profile == null || settings.hasBaseline()) || settings.measuresOrders())) {
            throw new IllegalArgumentException("knobs and activation orders come from calibration text: give --calibration FILE");
        }
        if (speedShapes != null && formats != null) {
            throw new IllegalArgumentException("--speed times the sweep's one --backend/--weights; time formats with bench moe");
        }
        List<LayerShapes.Named> speedLayers = speedShapes == null ? List.of() : speedShapes.stream().map(LayerShapes::named).toList();
        Files.createDirectories(out);
        List<String> notes = new ArrayList<>();
        List<SweepRow> rows = new ArrayList<>();
        List<SweepReport.Skipped> skipped = new ArrayList<>();
        List<LoadOptions> loads = formats == null
                ? List.of(loadOptions)
                : formats.stream().map(f -> LoadOptions.of(null, f, loadOptions.quantization().blockSize(),
                        loadOptions.quantization().symmetric()).withWeightCache(loadOptions.weightCache())).toList();
        List<long[]> calibrationTokenList = calibration == null ? null : CalibrationData.text(calibration, options.model, calibrationTokens);
        for (LoadOptions load : loads) {
            String label = formats == null ? "" : load.weights() + " ";
            boolean first = true;
            // Every partitioning reloads the same weights: a profile measured with one metric serves them all.
            Map<String, CalibrationProfile> profiles = new HashMap<>();
            for (SweepSetting partitioning : settings.partitionings()) {
                int notesBefore = notes.size();
                try (MoeLanguageModel lm = MoeLanguageModel.load(options.model, load);
                        MoeLanguageModel klReference = options.klReference(load);
                        TextTokenizer tokenizer = TextTokenizer.load(options.model)) {
                    if (first) {
                        notes.add(String.format("Model %s (%s); tasks %s.", options.model, load,
                                String.join(", ", tasks.stream().map(EvalTask::name).toList())));
                        if (klReference != null) {
                            notes.add(label + "kl and top-1 agreement are against the float32 libtorch model, not this one undropped.");
                        }
                    }
                    CalibrationProfile thresholds = thresholdProfile(lm, partitioning, calibrationTokenList, profiles, notes);
                    CalibrationProfile orderProfile = partitioning.metric() != null || partitioning.reconstruction().equals("profile")
                            ? thresholds : null;
                    DualSparseRuntime dualSparse = DualSparseRuntime.apply(lm.block(), partitioning.partition(), partitioning.order(),
                            orderProfile == null ? null : orderProfile.neuronOrder(), DropPolicy.NONE);
                    TaskRunner runner = new TaskRunner(lm, tokenizer, dualSparse, klReference, text, options.maxItems, options.window,
                            System.err);
                    ReplayedTargets replay = first && dropping && settings.hasBaseline()
                            ? replay(lm, dualSparse, runner, calibrationTokenList, notes) : null;
                    SweepPolicies policies = new SweepPolicies(thresholds, partitioning, replay, lm, dualSparse,
                            calibrationTokenList == null ? null : Chunks.first(calibrationTokenList, DualSparseSettings.DEFAULT_SENSITIVITY_TOKENS),
                            runner.window());
                    notes.subList(notesBefore, notes.size()).forEach(System.err::println);
                    List<SweepSetting> these = settings.on(partitioning, first);
                    points(label, runner, policies, tasks, these, settings.varying(), first, rows, skipped);
                }
                first = false;
            }
        }
        if (!speedLayers.isEmpty()) {
            rows = new SweepSpeed(speedLayers, speedTokens, speedRepeats, loadOptions,
                    BenchMoeCommand.routerStatistics(options.model, calibration, calibrationTokens)).measure(rows);
            notes.add("Speedups: one MoE layer of each shape timed as `bench moe` does (random weights, routing fitted to the"
                    + " swept model's router on the calibration text), dense against the point's split with one threshold pair"
                    + " dropping and halving the shares of pairs the point's thresholds do on the calibration text (whatever"
                    + " the shapes' top-K), the baselines at the point's realised decision drop rate.");
        }
        String title = "DualSparse sweep of " + options.model.getFileName();
        SweepReport report = new SweepReport(title, notes, rows, skipped);
        report.write(out);
        List<Path> charts = SweepCharts.write(out, title, rows);
        System.out.print(report.markdown());
        System.out.println("\nwrote " + out.resolve("sweep.md") + ", sweep.csv, sweep.json and "
                + String.join(", ", charts.stream().map(p -> p.getFileName().toString()).toList()));
        return 0;
    }

    /**
     * The profile 1t/2t thresholds are solved from and the partitioning's activation order comes
     * from: {@code --profile}, or measured on the calibration text with the partitioning's metric
     * (the default metric when it has none; the score distributions thresholds use do not depend on
     * it). Each is read or measured once per loaded weights, kept in {@code profiles}.
     */
    private CalibrationProfile thresholdProfile(MoeLanguageModel lm, SweepSetting partitioning, List<long[]> calibrationTokenList,
            Map<String, CalibrationProfile> profiles, List<String> notes) {
        if (profile != null && partitioning.metric() == null) {
            return profiles.computeIfAbsent("--profile", key -> {
                notes.add("1t/2t thresholds solved from the calibration profile " + profile + ".");
                return CalibrationProfile.loadFor(profile, lm);
            });
        }
        if (calibrationTokenList == null) {
            return null;
        }
        ImportanceMetric metric = partitioning.metric() != null ? partitioning.metric() : ImportanceMetric.DEFAULT;
        return profiles.computeIfAbsent(metric.id(), key -> {
            int length = Math.min(CALIBRATION_LENGTH, lm.config().decoder().maxPositions());
            CalibrationProfile measured = Calibrator.attach(lm).run(calibrationTokenList, metric, length, null);
            notes.add(String.format("%s profile measured on %d tokens of %s; 1t/2t thresholds solved from it.", metric.id(),
                    measured.tokens(), calibration));
            return measured;
        });
    }

    /** The baselines' knob solver: the undropped model's routings of the calibration text, batches as long as the evaluation's. */
    private ReplayedTargets replay(MoeLanguageModel lm, DualSparseRuntime dualSparse, TaskRunner runner, List<long[]> tokens,
            List<String> notes) {
        // Batches as long as the evaluation's: capacity's per-batch limit depends on them.
        ReplayedTargets replay = new ReplayedTargets(RoutingRecorder.record(lm, dualSparse, tokens, runner.window()),
                dualSparse.stats().shapes(), Margin.NONE);
        notes.add(String.format("Baselines' knobs solved on the undropped model's routings of %d calibration tokens of %s.",
                tokens.stream().mapToLong(t -> t.length).sum(), calibration));
        return replay;
    }

    /**
     * Runs every task at every (setting, target) into {@code rows}; target 0 runs once, undropped,
     * on the first partitioning, as the row {@code undropped}. A target a setting cannot reach goes
     * to {@code skipped}.
     */
    private void points(String label, TaskRunner runner, SweepPolicies policies, List<EvalTask> tasks, List<SweepSetting> settings,
            SweepSetting.Varying varying, boolean first, List<SweepRow> rows, List<SweepReport.Skipped> skipped) {
        if (first && dropRates.contains(0.0)) {
            rows.add(new SweepRow(label + "undropped", null, 0, "", 0, 0, null,
                    runAll(runner, tasks, DropPolicy.NONE, label + "undropped"), Map.of()));
        }
        for (SweepSetting setting : settings) {
            String name = label + setting.label(varying);
            for (double rate : dropRates) {
                if (rate == 0) {
                    continue;
                }
                SweepPolicies.Solved solved;
                try {
                    solved = policies.solve(setting, rate);
                } catch (DropRateUnreachableException e) {
                    System.err.println("skipped " + name + " at " + rate + ": " + e.getMessage());
                    skipped.add(new SweepReport.Skipped(name, rate, e.getMessage()));
                    continue;
                }
                ReplayedTargets.Solved knob = solved.knob();
                List<TaskScore> scores = runAll(runner, tasks, knob.policy(), name + " " + rate);
                rows.add(new SweepRow(name, setting, rate, knob.knob(), knob.value(), knob.predictedRate(), solved.pairs(), scores,
                        Map.of()));
            }
        }
    }

    private static List<TaskScore> runAll(TaskRunner runner, List<EvalTask> tasks, DropPolicy policy, String label) {
        return tasks.stream().map(task -> runner.run(task, policy, label + " " + task.name())).toList();
    }
}
