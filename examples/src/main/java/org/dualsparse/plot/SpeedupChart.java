package org.dualsparse.plot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.dualsparse.bench.MoeLayerBenchmark.Row;
import org.knowm.xchart.XYChart;

/** {@code bench moe}'s chart: measured speedup against the realised decision drop rate d, with the ideal {@code 1/(1−d)}. */
public final class SpeedupChart {

    static final String IDEAL = "ideal 1/(1−d)";
    private static final int IDEAL_POINTS = 50;

    private SpeedupChart() {}

    /** One line per (method, tokens), in the rows' order, then the ideal line up to the highest drop rate. */
    public static XYChart of(String title, List<Row> rows) {
        XYChart chart = Png.chart(title, "realised decision drop rate", "speedup over dense (x)");
        Map<String, List<Row>> lines = new LinkedHashMap<>();
        for (Row row : rows) {
            lines.computeIfAbsent(seriesName(row), k -> new ArrayList<>()).add(row);
        }
        lines.forEach((name, line) -> chart.addSeries(name,
                line.stream().mapToDouble(Row::realisedDecisionRate).toArray(),
                line.stream().mapToDouble(Row::speedup).toArray()));
        double highest = rows.stream().mapToDouble(Row::realisedDecisionRate).max().orElse(0);
        double[] d = IntStream.rangeClosed(0, IDEAL_POINTS).mapToDouble(i -> highest * i / IDEAL_POINTS).toArray();
        Png.addReferenceLine(chart, IDEAL, d, Arrays.stream(d).map(x -> 1 / (1 - x)).toArray());
        return chart;
    }

    private static String seriesName(Row row) {
        return row.method() + ", " + row.tokens() + (row.tokens() == 1 ? " token" : " tokens");
    }
}
