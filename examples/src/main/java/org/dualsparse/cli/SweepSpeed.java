package org.dualsparse.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dualsparse.bench.MoeLayerBenchmark;
import org.dualsparse.bench.RouterStatistics;
import org.dualsparse.model.LoadOptions;

/**
 * Times the MoE layer of every dropping point of a sweep, as {@code bench moe} does: one layer of
 * each requested shape, dense against the point's split, all points interleaved per token count.
 * A 1T/2T point drops and runs major-only the shares of routed pairs its thresholds do on the
 * calibration text (a layer's work depends on those shares, its thresholds on the model's top-K
 * and score scale, so thresholds do not carry over to other shapes; per-layer thresholds are
 * timed by their overall shares, since one layer is timed); a baseline runs at the point's
 * realised decision drop rate. A timing whose realised rate lies more than 3 points from the
 * point's (few tokens route few pairs) is left out.
 */
final class SweepSpeed {

    private static final int WARM_UP = 3;
    private static final long SEED = 7;
    /** How far the timed layer's realised decision rate may lie from the point's for its speedup to count. */
    private static final double MAX_RATE_GAP = 0.03;

    private final List<LayerShapes.Named> shapes;
    private final List<Integer> tokens;
    private final int repeats;
    private final LoadOptions load;
    private final RouterStatistics routing;

    /** @param routing the swept model's routing statistics, which the timed layers' synthetic routing imitates */
    SweepSpeed(List<LayerShapes.Named> shapes, List<Integer> tokens, int repeats, LoadOptions load, RouterStatistics routing) {
        this.shapes = List.copyOf(shapes);
        this.tokens = List.copyOf(tokens);
        this.repeats = repeats;
        this.load = load;
        this.routing = routing;
    }

    /** {@code rows} with the speedups of every dropping point added, keyed {@code SHAPES@TOKENS}. */
    List<SweepRow> measure(List<SweepRow> rows) {
        List<MoeLayerBenchmark.Point> points = new ArrayList<>();
        Map<String, Integer> rowOf = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            SweepRow row = rows.get(i);
            if (row.setting() != null && row.target() > 0) {
                MoeLayerBenchmark.Point point = row.pairs() != null
                        ? MoeLayerBenchmark.Point.atShares(row.method(), row.setting().method(), row.realisedRate(),
                                row.setting().partition(), row.pairs().dropped(), row.setting().usesMajorParts() ? row.pairs().majorOnly() : 0)
                        : MoeLayerBenchmark.Point.atRate(row.method(), row.setting().method(), row.realisedRate(),
                                row.setting().margin(), row.setting().partition());
                points.add(point);
                rowOf.put(key(point.label(), point.target()), i);
            }
        }
        List<Map<String, Double>> speedups = new ArrayList<>();
        rows.forEach(r -> speedups.add(new LinkedHashMap<>()));
        for (LayerShapes.Named shape : shapes) {
            System.err.printf("timing %d points on one %s MoE layer at %s tokens%n", points.size(), shape.name(), tokens);
            MoeLayerBenchmark.Result result = new MoeLayerBenchmark(new MoeLayerBenchmark.Setup(
                    shape.layer(), shape.name(), tokens, points, routing, WARM_UP, repeats, SEED, load)).run();
            result.unreachable().forEach(u -> System.err.println("not timed: " + u));
            for (MoeLayerBenchmark.Row r : result.rows()) {
                // Few tokens route few pairs: a rate they cannot come near is not the point's workload.
                if (Math.abs(r.realisedDecisionRate() - r.targetDropRate()) > MAX_RATE_GAP) {
                    System.err.printf("not timed: %s at %.3f, %d tokens: the timed routing realises %.3f%n", r.method(),
                            r.targetDropRate(), r.tokens(), r.realisedDecisionRate());
                    continue;
                }
                speedups.get(rowOf.get(key(r.method(), r.targetDropRate()))).put(shape.name() + "@" + r.tokens(), r.speedup());
            }
        }
        List<SweepRow> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(speedups.get(i).isEmpty() ? rows.get(i) : rows.get(i).withSpeedups(speedups.get(i)));
        }
        return out;
    }

    private static String key(String label, double target) {
        return label + "@" + target;
    }
}
