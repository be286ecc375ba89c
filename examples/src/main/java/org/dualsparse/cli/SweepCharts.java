package org.dualsparse.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.dualsparse.plot.Png;
import org.dualsparse.plot.SweepChart;

/**
 * A sweep's charts and Pareto fronts: every headline metric against the realised decision drop
 * rate and against each measured MoE-layer speedup, every setting a line starting at the
 * undropped model (drop rate 0, speedup 1).
 */
final class SweepCharts {

    /** Metrics where lower is better; for the others (agreement, accuracy) higher is. */
    private static final Set<String> LOWER_IS_BETTER = Set.of("perplexity", "kl");

    /** A task's headline metric; {@code name} is {@code metric} alone when the task is named after it, else {@code task-metric}. */
    record Metric(String task, String metric, String name) {

        double value(SweepRow row) {
            return row.scores().stream().filter(s -> s.task().equals(task)).findFirst().orElseThrow().metrics().get(metric);
        }

        /** Whether {@code a} is at least as good as {@code b}. */
        boolean atLeastAsGood(double a, double b) {
            return LOWER_IS_BETTER.contains(metric) ? a <= b : a >= b;
        }

        /** The row's value signed so that smaller is better. */
        double cost(SweepRow row) {
            return LOWER_IS_BETTER.contains(metric) ? value(row) : -value(row);
        }
    }

    /**
     * An x axis, larger better: the realised decision drop rate ({@code speedKey} null) or the
     * speedup measured at {@code SHAPES@TOKENS}.
     */
    record Axis(String title, String speedKey) {

        /** The row's value, NaN where not measured; the undropped model's speedup is 1. */
        double value(SweepRow row) {
            if (speedKey == null) {
                return row.realisedRate();
            }
            if (row.setting() == null) {
                return 1;
            }
            Double speedup = row.speedups().get(speedKey);
            return speedup == null ? Double.NaN : speedup;
        }
    }

    private SweepCharts() {}

    /** The headline metrics of the rows' tasks, in report order. */
    static List<Metric> metrics(List<SweepRow> rows) {
        List<Metric> metrics = new ArrayList<>();
        for (TaskScore s : rows.get(0).scores()) {
            for (String metric : s.metrics().keySet()) {
                if (SweepReport.HEADLINE.contains(metric)) {
                    metrics.add(new Metric(s.task(), metric, s.task().equals(metric) ? metric : s.task() + "-" + metric));
                }
            }
        }
        return metrics;
    }

    /** The realised drop rate, then one axis per measured speedup. */
    static List<Axis> axes(List<SweepRow> rows) {
        List<Axis> axes = new ArrayList<>(List.of(new Axis("realised decision drop rate", null)));
        rows.stream().flatMap(r -> r.speedups().keySet().stream()).distinct()
                .forEach(key -> axes.add(new Axis("MoE-layer speedup, " + key.replace("@", " at ") + " tokens", key)));
        return axes;
    }

    /**
     * The indices of the rows on the Pareto front of {@code metric} against {@code axis}: those
     * with a value on the axis that no other row matches or beats on both, best axis value first.
     */
    static List<Integer> front(List<SweepRow> rows, Metric metric, Axis axis) {
        List<Integer> candidates = IntStream.range(0, rows.size()).filter(i -> !Double.isNaN(axis.value(rows.get(i))))
                .boxed().sorted(Comparator.comparingDouble((Integer i) -> -axis.value(rows.get(i)))
                        .thenComparingDouble(i -> metric.cost(rows.get(i))))
                .toList();
        List<Integer> front = new ArrayList<>();
        double best = Double.NaN;
        for (int i : candidates) {
            double value = metric.value(rows.get(i));
            if (Double.isNaN(best) || !metric.atLeastAsGood(best, value)) {
                front.add(i);
                best = value;
            }
        }
        return front;
    }

    /**
     * Writes {@code sweep-METRIC.png} against the drop rate and {@code sweep-METRIC-vs-SHAPES-TOKENS.png}
     * against each speedup, each with its Pareto front.
     */
    static List<Path> write(Path dir, String title, List<SweepRow> rows) throws IOException {
        List<Path> files = new ArrayList<>();
        SweepRow undropped = rows.stream().filter(r -> r.setting() == null).findFirst().orElse(null);
        for (Metric metric : metrics(rows)) {
            for (Axis axis : axes(rows)) {
                List<SweepChart.Point> points = new ArrayList<>();
                for (SweepRow row : rows) {
                    if (row.setting() == null) {
                        continue;
                    }
                    boolean starts = points.stream().noneMatch(p -> p.method().equals(row.method()));
                    if (starts && undropped != null) {
                        points.add(new SweepChart.Point(row.method(), axis.value(undropped), metric.value(undropped)));
                    }
                    if (!Double.isNaN(axis.value(row))) {
                        points.add(new SweepChart.Point(row.method(), axis.value(row), metric.value(row)));
                    }
                }
                List<SweepChart.Point> front = front(rows, metric, axis).stream()
                        .map(i -> new SweepChart.Point(SweepChart.FRONT, axis.value(rows.get(i)), metric.value(rows.get(i)))).toList();
                String name = metric.name() + (axis.speedKey() == null ? "" : "-vs-" + axis.speedKey().replace('@', '-'));
                Path file = dir.resolve("sweep-" + name + ".png");
                Png.write(SweepChart.of(title, axis.title(), metric.name().replace('-', ' '), points, front), file);
                files.add(file);
            }
        }
        return files;
    }
}
