package org.dualsparse.plot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/** {@code ep-sim}'s chart: modelled speedup against accuracy cost, one series per threshold policy. */
public final class ExpertParallelChart {

    /** One policy at one target drop rate. */
    public record Point(String policy, double speedup, double kl) {}

    private ExpertParallelChart() {}

    /** One series per policy, in the points' order; a point per drop rate. */
    public static XYChart of(String title, List<Point> points) {
        XYChart chart = Png.chart(title, "modelled MoE-layer speedup (x)", "next-token KL vs undropped");
        Map<String, List<Point>> series = new LinkedHashMap<>();
        for (Point p : points) {
            series.computeIfAbsent(p.policy(), k -> new ArrayList<>()).add(p);
        }
        series.forEach((policy, ps) -> chart.addSeries(policy,
                ps.stream().mapToDouble(Point::speedup).toArray(), ps.stream().mapToDouble(Point::kl).toArray()));
        return chart;
    }
}
