package org.dualsparse.cli;

import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The model, tasks and data options that {@code eval} and {@code sweep} share. */
final class EvalOptions {

    /** Where {@code --data} defaults to, inside the model folder. */
    static final Path DEFAULT_TEXT = Path.of("eval", "heldout.txt");

    @Option(names = "--model", description = "Model folder: config.json, *.safetensors, tokenizer.json." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--task", required = true,
            description = "ppl (perplexity of --data), kl (next-token KL and top-1 agreement against the undropped model"
                    + " on --data) or FILE.jsonl (multiple choice: {\"context\", \"choices\", \"gold\"} per line); repeatable.")
    List<String> tasks;

    @Option(names = "--data", description = "Text for ppl and kl, documents separated by blank lines"
            + " (default: MODEL/eval/heldout.txt if it exists).")
    Path data;

    @Option(names = "--max-items", description = "Use only the first N documents of --data and the first N items of each .jsonl task.")
    Integer maxItems;

    @Option(names = "--window", description = "Most tokens per forward pass for ppl and kl (default 256, or the model's maximum).")
    Integer window;

    @Option(names = "--kl-against-f32", description = "Task kl compares with the model loaded a second time as float32 on"
            + " libtorch, not with this one undropped: with --weights int8/int4, what quantizing and dropping cost together.")
    boolean klAgainstF32;

    /**
     * The model task kl compares with: null for the evaluated one undropped, else {@link #model}
     * loaded as float32 on libtorch (null too when {@code evaluated} already is that).
     */
    MoeLanguageModel klReference(LoadOptions evaluated) {
        return klAgainstF32 && evaluated.backend() != LoadOptions.Backend.LIBTORCH ? MoeLanguageModel.load(model) : null;
    }

    /** Falls back to the shipped model when no {@code --model} was given; call before using {@link #model}. */
    void resolveModel() {
        model = ShippedModel.orDefault(model);
    }

    /** The tasks, each name once. */
    List<EvalTask> parsedTasks() {
        List<EvalTask> parsed = tasks.stream().map(EvalTask::parse).toList();
        Set<String> names = new HashSet<>();
        for (EvalTask task : parsed) {
            if (!names.add(task.name())) {
                throw new IllegalArgumentException("task " + task.name() + " is given twice");
            }
        }
        if (maxItems != null && maxItems < 1) {
            throw new IllegalArgumentException("--max-items must be positive, got " + maxItems);
        }
        return parsed;
    }

    /** The text for ppl and kl; null when no task reads it. */
    Path textData(List<EvalTask> tasks) {
        if (tasks.stream().noneMatch(EvalTask::readsText)) {
            return null;
        }
        if (data != null) {
            return data;
        }
        Path fallback = model.resolve(DEFAULT_TEXT);
        if (!Files.isRegularFile(fallback)) {
            throw new IllegalArgumentException("tasks ppl and kl need text: give --data FILE (no " + fallback + ")");
        }
        return fallback;
    }
}
