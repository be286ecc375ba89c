package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dualsparse.dualsparse.runtime.DropRates;

/** Writes a sweep's rows as {@code sweep.md}, {@code sweep.csv} and {@code sweep.json}. */
final class SweepReport {

    /** The metrics shown in the Markdown table and charted; standard errors and mean NLL stay in the CSV and JSON. */
    static final Set<String> HEADLINE = Set.of("perplexity", "kl", "top1_agreement", "acc", "acc_norm");

    /** A point the sweep could not run, and why. */
    record Skipped(String method, double target, String reason) {}

    private final String title;
    private final List<String> notes;
    private final List<SweepRow> rows;
    private final List<Skipped> skipped;

    /** @param notes lines printed under the title: the model, how knobs were set */
    SweepReport(String title, List<String> notes, List<SweepRow> rows, List<Skipped> skipped) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the sweep ran no point: " + skipped);
        }
        this.title = title;
        this.notes = List.copyOf(notes);
        this.rows = List.copyOf(rows);
        this.skipped = List.copyOf(skipped);
    }

    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("sweep.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("sweep.csv"), csv(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("sweep.json"), json(), StandardCharsets.UTF_8);
    }

    String markdown() {
        StringBuilder out = new StringBuilder("# " + title + "\n\n");
        notes.forEach(n -> out.append(n).append("\n\n"));
        List<String> header = new ArrayList<>(List.of("method", "target", "knob"));
        StringBuilder align = new StringBuilder("|---|---:|---|");
        for (TaskScore s : rows.get(0).scores()) {
            for (String metric : s.metrics().keySet()) {
                if (HEADLINE.contains(metric)) {
                    header.add(s.task() + " " + metric);
                    align.append("---:|");
                }
            }
            header.add(s.task() + " decision drop rate");
            header.add(s.task() + " skipped work");
            align.append("---:|---:|");
        }
        out.append("| ").append(String.join(" | ", header)).append(" |\n").append(align).append('\n');
        for (SweepRow row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.method(), String.format("%.2f", row.target()),
                    row.knob().isEmpty() ? "-" : String.format("%s = %.4g", row.knob(), row.knobValue())));
            for (TaskScore s : row.scores()) {
                s.metrics().forEach((metric, value) -> {
                    if (HEADLINE.contains(metric)) {
                        cells.add(String.format("%.4f", value));
                    }
                });
                cells.add(s.dropRateCell(DropRates::decision));
                cells.add(s.dropRateCell(DropRates::skippedWork));
            }
            out.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        for (Skipped s : skipped) {
            out.append(String.format("%nSkipped %s at %.2f: %s%n", s.method(), s.target(), s.reason()));
        }
        return out.toString();
    }

    /**
     * One row per point: method, target, knob, predicted decision rate, then per task its metrics,
     * decision and skipped-work drop rates, count and seconds.
     */
    String csv() {
        List<String> header = new ArrayList<>(List.of("method", "target_drop_rate", "knob", "knob_value", "predicted_decision_drop_rate"));
        for (TaskScore s : rows.get(0).scores()) {
            s.metrics().keySet().forEach(metric -> header.add(s.task() + "." + metric));
            header.addAll(List.of(s.task() + ".decision_drop_rate", s.task() + ".skipped_work_rate", s.task() + "." + s.unit(),
                    s.task() + ".seconds"));
        }
        StringBuilder out = new StringBuilder(String.join(",", header)).append('\n');
        for (SweepRow row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.method(), Double.toString(row.target()), row.knob(),
                    row.knob().isEmpty() ? "" : Double.toString(row.knobValue()), Double.toString(row.predictedRate())));
            for (TaskScore s : row.scores()) {
                s.metrics().values().forEach(v -> cells.add(Double.toString(v)));
                cells.add(s.dropRates().map(r -> Double.toString(r.decision())).orElse(""));
                cells.add(s.dropRates().map(r -> Double.toString(r.skippedWork())).orElse(""));
                cells.add(Long.toString(s.count()));
                cells.add(Double.toString(s.seconds()));
            }
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    String json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("title", title);
        out.put("notes", notes);
        out.put("rows", rows.stream().map(row -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("method", row.method());
            r.put("target_drop_rate", row.target());
            if (!row.knob().isEmpty()) {
                r.put("knob", row.knob());
                r.put("knob_value", row.knobValue());
            }
            r.put("predicted_decision_drop_rate", row.predictedRate());
            r.put("tasks", row.scores().stream().map(TaskScore::json).toList());
            return r;
        }).toList());
        out.put("skipped", skipped.stream().map(s -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("method", s.method());
            point.put("target_drop_rate", s.target());
            point.put("reason", s.reason());
            return point;
        }).toList());
        return new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(out);
    }
}
