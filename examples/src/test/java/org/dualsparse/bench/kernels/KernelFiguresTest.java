package org.dualsparse.bench.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The flops, bytes and ratios derived from benchmark times, checked by hand. */
class KernelFiguresTest {

    private static final String PACKAGE = "org.dualsparse.bench.kernels.";

    @Test
    void expertGemmWorkFollowsOlmoeShapes() {
        // gate/up [2048, 2048], down [2048, 1024]: 2·n·d·2I and 2·n·d·3I flops, f32 weights.
        KernelFigures.Work gateUp = KernelFigures.work("ExpertGemm.gateUp", Map.of("rows", "16", "orientation", "rows", "threads", "2"));
        assertEquals(2.0 * 16 * 2048 * 2048, gateUp.flops());
        assertEquals(4.0 * 2048 * 2048, gateUp.bytes());
        KernelFigures.Work expert = KernelFigures.work("ExpertGemm.expert", Map.of("rows", "1", "orientation", "columns", "threads", "2"));
        assertEquals(12_582_912.0, expert.flops());
        assertEquals(25_165_824.0, expert.bytes());
    }

    @Test
    void halfWeightsReadTwoBytesPerWeight() {
        assertEquals(8_388_608.0, KernelFigures.work("HalfWeights.gateUp", Map.of("rows", "4", "weights", "f16", "threads", "2")).bytes());
        assertEquals(8_388_608.0, KernelFigures.work("HalfWeights.gateUp", Map.of("rows", "4", "weights", "f16-widened", "threads", "2")).bytes());
        assertEquals(16_777_216.0, KernelFigures.work("HalfWeights.gateUp", Map.of("rows", "4", "weights", "f32", "threads", "2")).bytes());
    }

    @Test
    void ratiosUseThePeakAndBandwidthOfTheSameThreadCount() {
        List<KernelFigures.Row> rows = KernelFigures.of(List.of(
                // 2·512·2048·2048 = 4.295e9 flops in 42.95 ms: 100 GFLOP/s with 2 threads; 50 with 1.
                measurement("GemmPeakBenchmark.matMul", Map.of("threads", "2"), 42.94967296),
                measurement("GemmPeakBenchmark.matMul", Map.of("threads", "1"), 85.89934592),
                // 2^30 bytes in 53.69 ms: 20 GB/s with 2 threads.
                measurement("MemoryBandwidthBenchmark.sum", Map.of("threads", "2"), 53.6870912),
                // 12.58 Mflop and 25.17 MB in 2 ms: 6.29 GFLOP/s, 12.58 GB/s.
                measurement("ExpertGemmBenchmark.expert", Map.of("rows", "1", "orientation", "rows", "threads", "2"), 2.0),
                measurement("ExpertGemmBenchmark.expert", Map.of("rows", "1", "orientation", "rows", "threads", "1"), 2.0)));
        KernelFigures.Row peak = rows.get(0);
        assertEquals(100.0, peak.gflops(), 1e-9);
        assertEquals(100.0, peak.percentOfPeak(), 1e-9);
        assertNull(peak.gbPerSecond());
        assertEquals(20.0, rows.get(2).gbPerSecond(), 1e-9);
        assertNull(rows.get(2).gflops());
        KernelFigures.Row expert = rows.get(3);
        assertEquals(6.291456, expert.gflops(), 1e-9);
        assertEquals(12.582912, expert.gbPerSecond(), 1e-9);
        assertEquals(6.291456, expert.percentOfPeak(), 1e-9);
        assertEquals(100 * 12.582912 / 20, expert.percentOfBandwidth(), 1e-9);
        KernelFigures.Row oneThread = rows.get(4);
        assertEquals(100 * 6.291456 / 50, oneThread.percentOfPeak(), 1e-9);
        assertNull(oneThread.percentOfBandwidth(), "no bandwidth measured with 1 thread");
        assertNull(expert.usPerCall());
    }

    @Test
    void overheadIsMicrosecondsPerCall() {
        KernelFigures.Row add = KernelFigures.of(List.of(KernelFigures.Measurement.of(
                PACKAGE + "CallOverheadBenchmark.add", Map.of("threads", "2"), 2.5, 2.0, 3.0, TimeUnit.MICROSECONDS))).get(0);
        assertEquals(0.0025, add.msPerOp(), 1e-12);
        assertEquals(0.002, add.msMin(), 1e-12);
        assertEquals(0.003, add.msMax(), 1e-12);
        assertEquals(2.5, add.usPerCall(), 1e-9);
        assertNull(add.gflops());
        assertNull(add.gbPerSecond());
    }

    @Test
    void namesAreShortenedAndUnknownBenchmarksRefused() {
        assertEquals("ExpertGemm.gateUp", KernelFigures.shortName(PACKAGE + "ExpertGemmBenchmark.gateUp"));
        assertThrows(IllegalArgumentException.class, () -> KernelFigures.shortName("org.example.FooBenchmark.bar"));
        assertThrows(IllegalArgumentException.class, () -> KernelFigures.work("Foo.bar", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> KernelFigures.work("ExpertGemm.gateUp", Map.of("threads", "2")));
    }

    private static KernelFigures.Measurement measurement(String type, Map<String, String> params, double ms) {
        return KernelFigures.Measurement.of(PACKAGE + type, params, ms, ms, ms, TimeUnit.MILLISECONDS);
    }
}
