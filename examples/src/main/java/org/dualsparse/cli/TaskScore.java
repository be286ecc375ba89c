package org.dualsparse.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.dualsparse.dualsparse.runtime.DropRates;

/**
 * What one run of an {@link EvalTask} measured, for tables, JSON and CSV.
 *
 * @param metrics metric name to value, in reporting order
 * @param count how many {@code unit}s ("tokens" or "items") were scored
 * @param dropRates the decision and skipped-work drop rates of the run, empty for a model without DualSparse
 */
record TaskScore(String task, Map<String, Double> metrics, long count, String unit, Optional<DropRates> dropRates,
        double seconds) {

    TaskScore {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /**
     * {@code task}, the metrics, the count under its unit, {@code decision_drop_rate} and {@code
     * skipped_work_rate} (when known) and {@code seconds}.
     */
    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("task", task);
        out.putAll(metrics);
        out.put(unit, count);
        dropRates.ifPresent(rates -> {
            out.put("decision_drop_rate", rates.decision());
            out.put("skipped_work_rate", rates.skippedWork());
        });
        out.put("seconds", seconds);
        return out;
    }

    /** One of the drop rates as a percentage, for a table cell; "-" for a model without DualSparse. */
    String dropRateCell(ToDoubleFunction<DropRates> which) {
        return dropRates.map(rates -> String.format("%.2f%%", 100 * which.applyAsDouble(rates))).orElse("-");
    }

    /** The metrics as {@code name value} pairs, for a table cell. */
    String metricsText() {
        return metrics.entrySet().stream()
                .map(e -> e.getKey() + " " + String.format("%.4f", e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
