package org.dualsparse.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.eval.DropCost;
import org.dualsparse.eval.MultipleChoiceFile;
import org.dualsparse.eval.MultipleChoiceItem;
import org.dualsparse.eval.MultipleChoiceTask;
import org.dualsparse.eval.Perplexity;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * Runs {@link EvalTask}s on one loaded model under a given drop policy, timing each run and
 * drawing a progress bar; each task's data is read and tokenised once.
 */
final class TaskRunner {

    private final MoeLanguageModel lm;
    private final TextTokenizer tokenizer;
    private final DualSparseRuntime dualSparse;
    private final MoeLanguageModel klReference;
    private final Path text;
    private final Integer maxItems;
    private final int window;
    private final PrintStream progress;
    private List<long[]> documents;
    private final Map<Path, List<MultipleChoiceItem>> items = new HashMap<>();

    /**
     * @param dualSparse the model's DualSparseRuntime state, or null to run it as loaded (then no task may be kl)
     * @param klReference the model kl compares with (another load of the checkpoint), or null for {@code lm} undropped
     * @param text the text of ppl and kl, or null when no task reads it
     * @param maxItems the most documents or items per task, or null for all
     * @param window the most tokens per forward pass of ppl and kl, or null for 256 (or the model's maximum)
     */
    TaskRunner(MoeLanguageModel lm, TextTokenizer tokenizer, DualSparseRuntime dualSparse, MoeLanguageModel klReference,
            Path text, Integer maxItems, Integer window, PrintStream progress) {
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.dualSparse = dualSparse;
        this.klReference = klReference;
        this.text = text;
        this.maxItems = maxItems;
        this.window = window != null ? window : Math.min(Perplexity.DEFAULT_WINDOW, lm.config().decoder().maxPositions());
        this.progress = progress;
    }

    /** The most tokens per forward pass of ppl and kl. */
    int window() {
        return window;
    }

    /**
     * Runs {@code task} with {@code policy} installed (ignored without DualSparse); {@code label}
     * heads the progress bar.
     */
    TaskScore run(EvalTask task, DropPolicy policy, String label) {
        if (dualSparse != null) {
            dualSparse.setPolicy(policy);
        }
        long start = System.nanoTime();
        Map<String, Double> metrics = new LinkedHashMap<>();
        return switch (task.kind()) {
            case PERPLEXITY -> {
                Perplexity.Result r = new Perplexity(lm, window).measure(documents(), bar(label, "tokens"));
                metrics.put("perplexity", r.perplexity());
                metrics.put("mean_nll", r.meanNll());
                yield score(task, metrics, r.tokens(), "tokens", r.dropRates(), start);
            }
            case DROP_COST -> {
                DropCost.Result r = DropCost.measure(lm, dualSparse, klReference, policy, documents(), window, bar(label, "tokens"));
                metrics.put("kl", r.kl());
                metrics.put("top1_agreement", r.top1Agreement());
                yield score(task, metrics, r.tokens(), "tokens", Optional.of(r.dropRates()), start);
            }
            case MULTIPLE_CHOICE -> {
                MultipleChoiceTask.Result r = new MultipleChoiceTask(lm, tokenizer).score(items(task), bar(label, "items"));
                metrics.put("acc", r.acc());
                metrics.put("acc_stderr", r.accStderr());
                metrics.put("acc_norm", r.accNorm());
                metrics.put("acc_norm_stderr", r.accNormStderr());
                yield score(task, metrics, r.items(), "items", r.dropRates(), start);
            }
        };
    }

    private static TaskScore score(EvalTask task, Map<String, Double> metrics, long count, String unit,
            Optional<DropRates> dropRates, long start) {
        return new TaskScore(task.name(), metrics, count, unit, dropRates, (System.nanoTime() - start) / 1e9);
    }

    private ProgressBar bar(String label, String unit) {
        return new ProgressBar(progress, label, unit);
    }

    private List<long[]> documents() {
        if (documents == null) {
            documents = TextDocuments.tokenize(first(TextDocuments.read(text)), tokenizer);
        }
        return documents;
    }

    private List<MultipleChoiceItem> items(EvalTask task) {
        return items.computeIfAbsent(task.file(), file -> first(MultipleChoiceFile.read(file)));
    }

    private <T> List<T> first(List<T> all) {
        return maxItems == null || all.size() <= maxItems ? all : all.subList(0, maxItems);
    }
}
