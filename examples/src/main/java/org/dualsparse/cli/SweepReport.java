package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.files.AtomicFile;

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
        AtomicFile.writeString(dir.resolve("sweep.md"), markdown());
        AtomicFile.writeString(dir.resolve("sweep.csv"), csv());
        AtomicFile.writeString(dir.resolve("sweep.json"), json());
    }

    String markdown() {
        StringBuilder out = new StringBuilder("# " + title + "\n\n");
        notes.forEach(n -> out.append(n).append("\n\n"));
        List<String> header = new ArrayList<>(List.of("method", "target", "knob", "major-only pairs"));
        StringBuilder align = new StringBuilder("|---|---:|---|---:|");
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
        for (String key : speedKeys()) {
            header.add("speedup " + key);
            align.append("---:|");
        }
        out.append("| ").append(String.join(" | ", header)).append(" |\n").append(align).append('\n');
        for (SweepRow row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.method(), String.format("%.2f", row.target()),
                    row.knob().isEmpty() ? "-" : String.format("%s = %.4g", row.knob(), row.knobValue()),
                    Double.isNaN(row.majorOnlyShare()) ? "-" : String.format("%.1f%%", 100 * row.majorOnlyShare())));
            for (TaskScore s : row.scores()) {
                s.metrics().forEach((metric, value) -> {
                    if (HEADLINE.contains(metric)) {
                        cells.add(String.format("%.4f", value));
                    }
                });
                cells.add(s.dropRateCell(DropRates::decision));
                cells.add(s.dropRateCell(DropRates::skippedWork));
            }
            for (String key : speedKeys()) {
                Double speedup = row.speedups().get(key);
                cells.add(speedup == null ? "-" : String.format("%.2fx", speedup));
            }
            out.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        out.append(frontiers());
        for (Skipped s : skipped) {
            out.append(String.format("%nSkipped %s at %.2f: %s%n", s.method(), s.target(), s.reason()));
        }
        return out.toString();
    }

    /** The speedup columns, {@code SHAPES@TOKENS}, in the order first measured. */
    private List<String> speedKeys() {
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> keys.addAll(r.speedups().keySet()));
        return List.copyOf(keys);
    }

    /**
     * The Pareto points of the first task's first headline metric: against the realised drop rate
     * and against each measured speedup, the points no other point beats on both.
     */
    private String frontiers() {
        StringBuilder out = new StringBuilder();
        for (SweepCharts.Axis axis : SweepCharts.axes(rows)) {
            List<SweepCharts.Metric> metrics = SweepCharts.metrics(rows);
            if (metrics.isEmpty()) {
                break;
            }
            SweepCharts.Metric metric = metrics.get(0);
            out.append(String.format("%nPareto points of %s against %s: ", metric.name().replace('-', ' '), axis.title()));
            List<String> points = new ArrayList<>();
            for (int i : SweepCharts.front(rows, metric, axis)) {
                SweepRow row = rows.get(i);
                points.add(String.format("%s at %.2f (%s %.4f, %s %.3f)", row.method(), row.target(), metric.metric(),
                        metric.value(row), axis.title(), axis.value(row)));
            }
            out.append(String.join("; ", points)).append('\n');
        }
        return out.toString();
    }

    /**
     * One row per point: method, target, knob, predicted decision rate, major-only share, then per
     * task its metrics, decision and skipped-work drop rates, count and seconds, then the speedups.
     */
    String csv() {
        List<String> header = new ArrayList<>(List.of("method", "target_drop_rate", "knob", "knob_value", "predicted_decision_drop_rate",
                "major_only_share"));
        for (TaskScore s : rows.get(0).scores()) {
            s.metrics().keySet().forEach(metric -> header.add(s.task() + "." + metric));
            header.addAll(List.of(s.task() + ".decision_drop_rate", s.task() + ".skipped_work_rate", s.task() + "." + s.unit(),
                    s.task() + ".seconds"));
        }
        speedKeys().forEach(key -> header.add("speedup." + key));
        StringBuilder out = new StringBuilder(String.join(",", header)).append('\n');
        for (SweepRow row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.method(), Double.toString(row.target()), row.knob(),
                    row.knob().isEmpty() ? "" : Double.toString(row.knobValue()), Double.toString(row.predictedRate()),
                    Double.isNaN(row.majorOnlyShare()) ? "" : Double.toString(row.majorOnlyShare())));
            for (TaskScore s : row.scores()) {
                s.metrics().values().forEach(v -> cells.add(Double.toString(v)));
                cells.add(s.dropRates().map(r -> Double.toString(r.decision())).orElse(""));
                cells.add(s.dropRates().map(r -> Double.toString(r.skippedWork())).orElse(""));
                cells.add(Long.toString(s.count()));
                cells.add(Double.toString(s.seconds()));
            }
            for (String key : speedKeys()) {
                Double speedup = row.speedups().get(key);
                cells.add(speedup == null ? "" : Double.toString(speedup));
            }
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    private static Map<String, Object> setting(SweepSetting s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", s.method().id());
        out.put("partition", s.partition().parts());
        out.put("major_parts", s.partition().majorParts());
        out.put("reconstruct", s.reconstruction());
        out.put(s.margin().relative() ? "relative_delta" : "delta", s.margin().value());
        out.put("per_layer", s.perLayer().name().toLowerCase(Locale.ROOT));
        return out;
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
            if (row.setting() != null) {
                r.put("setting", setting(row.setting()));
            }
            if (!Double.isNaN(row.majorOnlyShare())) {
                r.put("major_only_share", row.majorOnlyShare());
                r.put("major_only_share_by_layer", row.majorOnlyByLayer());
            }
            r.put("tasks", row.scores().stream().map(TaskScore::json).toList());
            if (!row.speedups().isEmpty()) {
                r.put("speedups", row.speedups());
            }
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
