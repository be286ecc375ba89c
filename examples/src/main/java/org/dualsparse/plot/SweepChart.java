package org.dualsparse.plot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/** {@code sweep}'s charts: one metric against the realised decision drop rate, one line per method. */
public final class SweepChart {

    /** One method's value of the metric at one realised decision drop rate. */
    public record Point(String method, double decisionDropRate, double value) {}

    private SweepChart() {}

    /** One line per method, in the points' order, each in the order of its points. */
    public static XYChart of(String title, String metric, List<Point> points) {
        XYChart chart = Png.chart(title, "realised decision drop rate", metric);
        Map<String, List<Point>> lines = new LinkedHashMap<>();
        for (Point p : points) {
            lines.computeIfAbsent(p.method(), k -> new ArrayList<>()).add(p);
        }
        lines.forEach((method, line) -> chart.addSeries(method,
                line.stream().mapToDouble(Point::decisionDropRate).toArray(), line.stream().mapToDouble(Point::value).toArray()));
        return chart;
    }
}
