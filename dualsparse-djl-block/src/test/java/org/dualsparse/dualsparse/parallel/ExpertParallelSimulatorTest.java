package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Simulated expert parallelism on random skewed routings of 8 experts, top-2, on 4 devices; routing traces. */
class ExpertParallelSimulatorTest {

    private static final DropStats.LayerShape SHAPE = new DropStats.LayerShape(8, 16, 8, 0);
    private static final PlacementPlan PLACEMENT = PlacementPlan.uniform(ExpertPlacement.contiguous(8, 4));

    @TempDir
    Path dir;

    @Test
    void withoutDroppingLoadsAreUnchangedAndLayerMaximaAreBruteForce() {
        List<LayerRouting> batches = skewedBatches(new Random(1), 3, 64);
        ExpertParallelSimulator.Result result = simulator(batches).simulate(DropPolicy.NONE);
        assertEquals(0, result.dropRate());
        assertEquals(1, result.speedup(), 1e-12);
        for (ExpertParallelSimulator.LayerResult layer : result.layers()) {
            double max = 0;
            for (LayerRouting batch : batches) {
                if (batch.layer() == layer.layer()) {
                    long[] pairs = new long[4];
                    for (long e : batch.routing().experts()) {
                        pairs[(int) e / 2]++;
                    }
                    max += Arrays.stream(pairs).max().orElseThrow();
                }
            }
            assertEquals(max / layer.batches(), layer.maxBefore(), 1e-12);
            assertEquals(64 * 2 / 4.0, layer.meanBefore(), 1e-12);
        }
    }

    @Test
    void loadAwareThresholdsMatchTheUniformDropRateAndShortenTheCriticalPath() {
        List<LayerRouting> batches = skewedBatches(new Random(2), 4, 256);
        ExpertParallelSimulator simulator = simulator(batches);
        ExpertParallelSimulator.Comparison c = simulator.compare(0.2, Margin.absolute(0.01), 2);
        double[] bruteForce = loadAwareBruteForce(batches, (float) c.maxThreshold(), 0.01f);
        assertEquals(bruteForce[0], c.loadAware().dropRate(), 1e-12, "drop rate of T_d = T_max·min(1, r_d)");
        assertEquals(bruteForce[1], c.loadAware().speedup(), 1e-12, "speedup of T_d = T_max·min(1, r_d)");
        assertEquals(0.2, c.uniform().dropRate(), 0.01);
        assertEquals(c.uniform().dropRate(), c.loadAware().dropRate(), 0.01);
        assertTrue(c.maxThreshold() >= c.threshold(), "light devices drop less, so T_max is higher");
        assertTrue(c.loadAware().speedup() > c.uniform().speedup(),
                c.loadAware().speedup() + " vs " + c.uniform().speedup());
    }

    @Test
    void tracesRoundTripExactly() throws IOException {
        List<LayerRouting> batches = skewedBatches(new Random(3), 2, 5);
        Path file = dir.resolve("trace.txt");
        RoutingTrace.write(file, batches);
        List<LayerRouting> read = RoutingTrace.read(file);
        assertEquals(batches.size(), read.size());
        for (int b = 0; b < batches.size(); b++) {
            assertEquals(batches.get(b).layer(), read.get(b).layer());
            assertArrayEquals(batches.get(b).routing().experts(), read.get(b).routing().experts());
            assertArrayEquals(batches.get(b).routing().hostWeights(), read.get(b).routing().hostWeights());
        }
    }

    @Test
    void badTracesAreTypedErrorsNamingFileAndLine() throws IOException {
        assertTraceError("1: expected 'dualsparse-routing-trace 1'", "routing 1");
        assertTraceError("2: expected 'batch <layer> <tokens> <K>'", "dualsparse-routing-trace 1", "batch 1 2");
        assertTraceError("3: expected 2 expert ids and 2 gate weights", "dualsparse-routing-trace 1", "batch 1 1 2", "0 1 0.5");
        assertTraceError("3: 'x' is not a gate weight", "dualsparse-routing-trace 1", "batch 1 1 2", "0 1 0.5 x");
        assertTraceError("4: batch of layer 1 ends after 1 of 2 tokens", "dualsparse-routing-trace 1", "batch 1 2 2", "0 1 0.5 0.5");
    }

    private void assertTraceError(String expected, String... lines) throws IOException {
        Path file = Files.write(Files.createTempFile(dir, "trace", ".txt"), String.join("\n", lines).getBytes());
        TraceException e = assertThrows(TraceException.class, () -> RoutingTrace.read(file));
        assertTrue(e.getMessage().startsWith(file + ":" + expected), e.getMessage());
    }

    /**
     * Drop rate and speedup of load-aware thresholds counted pair by pair: device {@code d} (experts
     * 2d and 2d+1) decides at {@code T_max·min(1, r_d)}; a major-only pair costs half an expert.
     */
    private static double[] loadAwareBruteForce(List<LayerRouting> batches, float maxThreshold, float delta) {
        double skipped = 0;
        double dense = 0;
        double maxBefore = 0;
        double maxAfter = 0;
        for (LayerRouting batch : batches) {
            long[] experts = batch.routing().experts();
            float[] scores = Scores.normalised(batch.routing());
            double[] before = new double[4];
            for (long e : experts) {
                before[(int) e / 2]++;
            }
            double[] after = new double[4];
            for (int p = 0; p < experts.length; p++) {
                int d = (int) experts[p] / 2;
                double ratio = before[d] / (experts.length / 4.0);
                float t = ratio >= 1 ? maxThreshold : (float) (maxThreshold * ratio);
                double kept = scores[p] < t - delta ? 0 : scores[p] < t + delta ? 0.5 : 1;
                after[d] += kept;
                skipped += (1 - kept) * SHAPE.expertNeurons();
                dense += SHAPE.expertNeurons();
            }
            maxBefore += Arrays.stream(before).max().orElseThrow();
            maxAfter += Arrays.stream(after).max().orElseThrow();
        }
        return new double[] {skipped / dense, maxBefore / maxAfter};
    }

    private static ExpertParallelSimulator simulator(List<LayerRouting> batches) {
        return new ExpertParallelSimulator(batches, PLACEMENT, Map.of(1, SHAPE, 3, SHAPE));
    }

    /** Batches for layers 1 and 3; expert 0 is hot, so device 0 is the straggler. */
    private static List<LayerRouting> skewedBatches(Random random, int perLayer, int tokens) {
        List<LayerRouting> batches = new ArrayList<>();
        for (int b = 0; b < perLayer; b++) {
            for (int layer : new int[] {1, 3}) {
                long[] experts = new long[2 * tokens];
                float[] weights = new float[2 * tokens];
                for (int n = 0; n < tokens; n++) {
                    experts[2 * n] = random.nextInt(3) == 0 ? 0 : random.nextInt(8);
                    experts[2 * n + 1] = (experts[2 * n] + 1 + random.nextInt(7)) % 8;
                    weights[2 * n] = 0.5f + random.nextFloat();
                    weights[2 * n + 1] = random.nextFloat();
                }
                batches.add(new LayerRouting(layer, new Routing(null, null, experts, weights, tokens, 2)));
            }
        }
        return batches;
    }
}
