package org.dualsparse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.parallel.ReplayedTargets;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.plot.Png;
import org.dualsparse.plot.SweepChart;
import org.dualsparse.tokenizer.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Evaluates every (method, target drop rate) on one loaded model, switching drop policies between
 * runs, and writes the results as Markdown, CSV, JSON and one chart per metric.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Evaluate each method at each target (decision) drop rate; write sweep.md, sweep.csv, sweep.json and"
                + " sweep-*.png charts of each metric against the realised decision drop rate.")
final class SweepCommand implements Callable<Integer> {

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

    @Option(names = "--partition", defaultValue = "" + DualSparseSettings.DEFAULT_PARTS,
            description = "Sub-experts per expert (default ${DEFAULT-VALUE}).")
    int partition;

    @Option(names = "--reconstruct", description = "Neuron order: none, weight or profile (default weight).")
    String reconstruct;

    @Option(names = "--delta", defaultValue = "" + ThresholdDropPolicy.PAPER_DELTA, description = "2T δ (default ${DEFAULT-VALUE}).")
    double delta;

    @Option(names = "--profile", description = "Calibration profile of this model: 1t/2t thresholds for the target rates"
            + " (and the neuron order of --reconstruct profile).")
    Path profile;

    @Option(names = "--calibration", description = "Calibration text, .txt (paragraphs split at blank lines) or .jsonl (a"
            + " \"text\" field per line): the knobs of ees, top-p and capacity, and of 1t/2t without --profile, are solved"
            + " on the undropped model's routings of it (default: MODEL/eval/calibration.txt if it exists).")
    Path calibration;

    @Option(names = "--calibration-tokens", defaultValue = "8192",
            description = "Tokens of --calibration to use at most (default ${DEFAULT-VALUE}).")
    int calibrationTokens;

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
        List<Method> parsedMethods = methods();
        for (double rate : dropRates) {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("--drop-rates must lie in [0, 1), got " + rate);
            }
        }
        List<Method> replayed = parsedMethods.stream().filter(m -> !SweepPolicies.fromProfile(m, profile != null)).toList();
        if (!replayed.isEmpty() && calibration == null && dropRates.stream().anyMatch(r -> r > 0)) {
            throw new IllegalArgumentException("the knobs of " + ids(replayed) + " are solved on the routings of calibration"
                    + " text: give --calibration FILE" + (profile == null ? " (or --profile P for 1t and 2t)" : ""));
        }
        DualSparseSettings partitioning = partitioning();
        Files.createDirectories(out);
        List<String> notes = new ArrayList<>();
        List<SweepRow> rows = new ArrayList<>();
        List<SweepReport.Skipped> skipped = new ArrayList<>();
        List<LoadOptions> loads = formats == null
                ? List.of(loadOptions)
                : formats.stream().map(f -> LoadOptions.of(null, f, loadOptions.quantization().blockSize(),
                        loadOptions.quantization().symmetric()).withWeightCache(loadOptions.weightCache())).toList();
        for (LoadOptions load : loads) {
            String label = formats == null ? "" : load.weights() + " ";
            int notesBefore = notes.size();
            try (MoeLanguageModel lm = MoeLanguageModel.load(options.model, load);
                    MoeLanguageModel klReference = options.klReference(load);
                    TextTokenizer tokenizer = TextTokenizer.load(options.model)) {
                CalibrationProfile calibrated = profile == null ? null : CalibrationProfile.loadFor(profile, lm);
                DualSparseRuntime dualSparse = partitioning.applyTo(lm, calibrated, null);
                TaskRunner runner = new TaskRunner(lm, tokenizer, dualSparse, klReference, text, options.maxItems, options.window, System.err);
                notes.add(String.format("Model %s (%s), P = %d, %s reconstruction, δ = %s; tasks %s.", options.model, load, partition,
                        partitioning.reconstruction().name().toLowerCase(Locale.ROOT), delta,
                        String.join(", ", tasks.stream().map(EvalTask::name).toList())));
                if (klReference != null) {
                    notes.add(label + "kl and top-1 agreement are against the float32 libtorch model, not this one undropped.");
                }
                SweepPolicies policies = policies(lm, dualSparse, runner, calibrated, parsedMethods, replayed, notes);
                notes.subList(notesBefore, notes.size()).forEach(System.err::println);
                points(label, runner, policies, tasks, parsedMethods, rows, skipped);
            }
        }
        String title = "DualSparse sweep of " + options.model.getFileName();
        SweepReport report = new SweepReport(title, notes, rows, skipped);
        report.write(out);
        List<Path> charts = charts(title, rows);
        System.out.print(report.markdown());
        System.out.println("\nwrote " + out.resolve("sweep.md") + ", sweep.csv, sweep.json and "
                + String.join(", ", charts.stream().map(p -> p.getFileName().toString()).toList()));
        return 0;
    }

    /**
     * Runs every task at every (method, target) into {@code rows}, each labelled {@code label}
     * and the method; target 0 runs once, undropped, for all methods. A target a method cannot
     * reach goes to {@code skipped}.
     */
    private void points(String label, TaskRunner runner, SweepPolicies policies, List<EvalTask> tasks, List<Method> methods,
            List<SweepRow> rows, List<SweepReport.Skipped> skipped) {
        List<TaskScore> undropped = dropRates.contains(0.0) ? runAll(runner, tasks, DropPolicy.NONE, label + "undropped") : null;
        for (Method method : methods) {
            String name = label + method.id();
            for (double rate : dropRates) {
                if (rate == 0) {
                    rows.add(new SweepRow(name, 0, "", 0, 0, undropped));
                    continue;
                }
                ReplayedTargets.Solved solved;
                try {
                    solved = policies.solve(method, rate);
                } catch (DropRateUnreachableException e) {
                    System.err.println("skipped " + name + " at " + rate + ": " + e.getMessage());
                    skipped.add(new SweepReport.Skipped(name, rate, e.getMessage()));
                    continue;
                }
                List<TaskScore> scores = runAll(runner, tasks, solved.policy(), name + " " + rate);
                rows.add(new SweepRow(name, rate, solved.knob(), solved.value(), solved.predictedRate(), scores));
            }
        }
    }

    /** The partition every point runs on, read as the Criteria arguments of the same names are; it drops nothing. */
    private DualSparseSettings partitioning() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("partition", partition);
        arguments.put("method", Method.NONE.id());
        if (reconstruct != null) {
            arguments.put("reconstruct", reconstruct);
        }
        if (profile != null) {
            arguments.put("profile", profile);
        }
        return DualSparseSettings.fromArguments(arguments);
    }

    private List<Method> methods() {
        List<Method> parsed = methods.stream().map(Method::parse).distinct().toList();
        if (parsed.contains(Method.NONE)) {
            throw new IllegalArgumentException("--methods lists drop methods; the undropped model is drop rate 0");
        }
        return parsed;
    }

    /** The knob solvers the methods need, recording calibration routings only when some method needs them. */
    private SweepPolicies policies(MoeLanguageModel lm, DualSparseRuntime dualSparse, TaskRunner runner,
            CalibrationProfile calibrated, List<Method> all, List<Method> replayed, List<String> notes) {
        ThresholdSolver solver = calibrated == null ? null : new ThresholdSolver(calibrated, partition);
        if (solver != null && replayed.size() < all.size()) {
            notes.add("1t/2t thresholds solved from the calibration profile " + profile + ".");
        }
        ReplayedTargets replay = null;
        if (!replayed.isEmpty() && calibration != null) {
            List<long[]> tokens = CalibrationData.text(calibration, options.model, calibrationTokens);
            // Batches as long as the evaluation's: capacity's per-batch limit depends on them.
            replay = new ReplayedTargets(RoutingRecorder.record(lm, dualSparse, tokens, runner.window()),
                    dualSparse.stats().shapes(), delta);
            notes.add(String.format("Knobs of %s solved on the undropped model's routings of %d calibration tokens of %s%s.",
                    ids(replayed), tokens.stream().mapToLong(t -> t.length).sum(), calibration,
                    profile == null ? " (no --profile)" : ""));
        }
        return new SweepPolicies(solver, replay, delta);
    }

    private static List<TaskScore> runAll(TaskRunner runner, List<EvalTask> tasks, DropPolicy policy, String label) {
        return tasks.stream().map(task -> runner.run(task, policy, label + " " + task.name())).toList();
    }

    /** One chart per task and headline metric; the file is named {@code sweep-TASK-METRIC.png}, or {@code sweep-kl.png}. */
    private List<Path> charts(String title, List<SweepRow> rows) throws IOException {
        Map<String, List<SweepChart.Point>> byMetric = new LinkedHashMap<>();
        for (SweepRow row : rows) {
            for (TaskScore s : row.scores()) {
                s.metrics().forEach((metric, value) -> {
                    if (SweepReport.HEADLINE.contains(metric)) {
                        String name = s.task().equals(metric) ? metric : s.task() + "-" + metric;
                        byMetric.computeIfAbsent(name, k -> new ArrayList<>())
                                .add(new SweepChart.Point(row.method(), s.dropRates().map(DropRates::decision).orElse(0.0), value));
                    }
                });
            }
        }
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, List<SweepChart.Point>> e : byMetric.entrySet()) {
            Path file = out.resolve("sweep-" + e.getKey() + ".png");
            Png.write(SweepChart.of(title, e.getKey().replace('-', ' '), e.getValue()), file);
            files.add(file);
        }
        return files;
    }

    private static String ids(List<Method> methods) {
        return String.join(", ", methods.stream().map(Method::id).toList());
    }
}
