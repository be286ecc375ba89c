package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings.PerLayer;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.junit.jupiter.api.Test;

/** The Pareto front of a sweep: the points no other point matches or beats on both the x axis and the metric. */
class SweepChartsTest {

    private static final SweepSetting TWO_T = new SweepSetting(Method.TWO_T, Partition.halves(2), "weight", Margin.absolute(0.05), PerLayer.GLOBAL);

    @Test
    void theFrontKeepsOnlyUndominatedPointsBestXFirst() {
        List<SweepRow> rows = new ArrayList<>();
        rows.add(row("undropped", null, 0, 0, Map.of()));
        rows.add(row("a", TWO_T, 0.10, 0.010, Map.of("olmoe@16", 1.05)));
        rows.add(row("a", TWO_T, 0.25, 0.030, Map.of("olmoe@16", 1.20)));
        rows.add(row("b", TWO_T, 0.25, 0.020, Map.of("olmoe@16", 1.10)));
        rows.add(row("b", TWO_T, 0.40, 0.050, Map.of("olmoe@16", 1.15)));
        rows.add(row("c", TWO_T, 0.10, 0.012, Map.of("olmoe@16", 1.02)));

        SweepCharts.Metric kl = SweepCharts.metrics(rows).get(0);
        List<SweepCharts.Axis> axes = SweepCharts.axes(rows);
        assertEquals(2, axes.size());
        // By drop rate: b at 40%, b at 25% (beats a at 25%), a at 10% (beats c), and the undropped model.
        assertEquals(List.of(4, 3, 1, 0), SweepCharts.front(rows, kl, axes.get(0)));
        // By speedup: a at 1.20; b at 1.15 is worse than it on KL; b at 1.10; a at 1.05; the undropped model at 1.
        assertEquals(List.of(2, 3, 1, 0), SweepCharts.front(rows, kl, axes.get(1)));
        assertEquals("MoE-layer speedup, olmoe at 16 tokens", axes.get(1).title());

        SweepCharts.Metric agreement = SweepCharts.metrics(rows).get(1);
        assertEquals("kl-top1_agreement", agreement.name());
        // Higher agreement is better: 1 − 10·KL here, the same order.
        assertEquals(List.of(4, 3, 1, 0), SweepCharts.front(rows, agreement, axes.get(0)));
    }

    private static SweepRow row(String label, SweepSetting setting, double rate, double kl, Map<String, Double> speedups) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("kl", kl);
        metrics.put("top1_agreement", 1 - 10 * kl);
        TaskScore score = new TaskScore("kl", metrics, 100, "tokens",
                Optional.of(new DropRates(rate, rate)), 1);
        return new SweepRow(label, setting, rate, setting == null ? "" : "T", 0.1, rate, null, List.of(score), speedups);
    }
}
