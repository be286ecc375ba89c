package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates a model, with or without DualSparse dropping: perplexity, drop cost and multiple-choice accuracy. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model: perplexity, next-token KL against the undropped model, multiple-choice accuracy;"
                + " each with the realised drop rate when DualSparse switches are given.")
final class EvalCommand implements Callable<Integer> {

    @Mixin
    EvalOptions options;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        options.resolveModel();
        LoadOptions loadOptions = backend.loadOptions();
        List<EvalTask> tasks = options.parsedTasks();
        if (dualSparse.arguments().isEmpty() && tasks.stream().anyMatch(t -> t.kind() == EvalTask.Kind.DROP_COST)) {
            throw new IllegalArgumentException("task kl compares a dropping model with the undropped one:"
                    + " give DualSparse switches (--method, --threshold or --drop-rate, ...)");
        }
        Path text = options.textData(tasks);
        List<TaskScore> scores = new ArrayList<>();
        try (MoeLanguageModel lm = MoeLanguageModel.load(options.model, loadOptions);
                MoeLanguageModel klReference = options.klReference(loadOptions);
                TextTokenizer tokenizer = TextTokenizer.load(options.model)) {
            DualSparseRuntime method = dualSparse.apply(lm, options.model);
            DropPolicy policy = method == null ? DropPolicy.NONE : method.policy();
            TaskRunner runner = new TaskRunner(lm, tokenizer, method, klReference, text, options.maxItems, options.window, System.err);
            for (EvalTask task : tasks) {
                scores.add(runner.run(task, policy, task.name()));
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", options.model.toString());
            out.put("backend", loadOptions.toString());
            Map<String, Object> switches = new LinkedHashMap<>();
            dualSparse.arguments().forEach((key, value) -> switches.put(key, value instanceof Path ? value.toString() : value));
            out.put("dualsparse", switches);
            out.put("tasks", scores.stream().map(TaskScore::json).toList());
            System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(out));
            return 0;
        }
        System.out.println("| task | metrics | n | decision drop rate | skipped work | seconds |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (TaskScore s : scores) {
            System.out.printf("| %s | %s | %d %s | %s | %s | %.1f |%n", s.task(), s.metricsText(), s.count(), s.unit(),
                    s.dropRateCell(DropRates::decision), s.dropRateCell(DropRates::skippedWork), s.seconds());
        }
        return 0;
    }
}
