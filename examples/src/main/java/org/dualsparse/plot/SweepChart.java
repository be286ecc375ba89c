package org.dualsparse.plot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * {@code sweep}'s charts: one metric against the realised decision drop rate or a measured
 * speedup, one line per setting, and the Pareto front (the points no other beats on both) as a
 * dashed line.
 */
public final class SweepChart {

    /** The name of the Pareto front's line. */
    public static final String FRONT = "Pareto front";

    /** One setting's value of the metric at one value of the x axis. */
    public record Point(String method, double x, double value) {}

    private SweepChart() {}

    /** Against the realised decision drop rate, without a front. */
    public static XYChart of(String title, String metric, List<Point> points) {
        return of(title, "realised decision drop rate", metric, points, List.of());
    }

    /** One line per setting, in the points' order, each in the order of its points; then {@code front}, if any. */
    public static XYChart of(String title, String xTitle, String metric, List<Point> points, List<Point> front) {
        XYChart chart = Png.chart(title, xTitle, metric);
        Map<String, List<Point>> lines = new LinkedHashMap<>();
        for (Point p : points) {
            lines.computeIfAbsent(p.method(), k -> new ArrayList<>()).add(p);
        }
        lines.forEach((method, line) -> chart.addSeries(method,
                line.stream().mapToDouble(Point::x).toArray(), line.stream().mapToDouble(Point::value).toArray()));
        if (!front.isEmpty()) {
            Png.addReferenceLine(chart, FRONT, front.stream().mapToDouble(Point::x).toArray(),
                    front.stream().mapToDouble(Point::value).toArray());
        }
        return chart;
    }
}
