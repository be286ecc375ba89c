package org.dualsparse.bench.kernels;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a kernel benchmark's time per operation means: GFLOP/s and GB/s read, from each
 * benchmark's shapes and parameters, as a share of the GEMM peak and the memory bandwidth measured
 * in the same run at the same thread count; µs per call for the per-call overhead benchmarks.
 */
public final class KernelFigures {

    private static final String PACKAGE = KernelFigures.class.getPackageName() + ".";
    private static final String SUFFIX = "Benchmark";
    private static final String GEMM_PEAK = "GemmPeak.matMul";
    private static final String BANDWIDTH = "MemoryBandwidth.sum";

    /**
     * One benchmark's time per operation, e.g. {@code ExpertGemm.gateUp} with {@code rows=16}: the
     * mean over the measured iterations and the fastest and slowest iteration.
     */
    public record Measurement(String benchmark, Map<String, String> params, double msPerOp, double msMin, double msMax) {

        /** JMH's mean, min and max in {@code unit} per operation, for the benchmark JMH names in full. */
        public static Measurement of(String jmhName, Map<String, String> params, double mean, double min, double max,
                TimeUnit unit) {
            double msPerUnit = unit.toNanos(1) / 1e6;
            return new Measurement(shortName(jmhName), params, mean * msPerUnit, min * msPerUnit, max * msPerUnit);
        }
    }

    /** The figures of one measurement; null where a figure does not apply. */
    public record Row(String benchmark, Map<String, String> params, double msPerOp, double msMin, double msMax,
            Double gflops, Double gbPerSecond, Double percentOfPeak, Double percentOfBandwidth, Double usPerCall) {}

    /** Floating-point operations and bytes read from memory in one operation; 0 where not meaningful. */
    record Work(double flops, double bytes, boolean nativeCall) {}

    private KernelFigures() {}

    /** {@code ExpertGemm.gateUp} for JMH's {@code org.dualsparse.bench.kernels.ExpertGemmBenchmark.gateUp}. */
    public static String shortName(String jmhName) {
        if (!jmhName.startsWith(PACKAGE)) {
            throw new IllegalArgumentException("not a kernel benchmark: " + jmhName);
        }
        String name = jmhName.substring(PACKAGE.length());
        int dot = name.lastIndexOf('.');
        String type = name.substring(0, dot);
        return (type.endsWith(SUFFIX) ? type.substring(0, type.length() - SUFFIX.length()) : type) + name.substring(dot);
    }

    /** The figures of every measurement, in order. */
    public static List<Row> of(List<Measurement> measurements) {
        Map<String, Double> peakGflops = new HashMap<>();
        Map<String, Double> bandwidth = new HashMap<>();
        for (Measurement m : measurements) {
            Work w = work(m.benchmark(), m.params());
            if (m.benchmark().equals(GEMM_PEAK)) {
                peakGflops.put(threads(m), perSecond(w.flops(), m));
            } else if (m.benchmark().equals(BANDWIDTH)) {
                bandwidth.put(threads(m), perSecond(w.bytes(), m));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Measurement m : measurements) {
            Work w = work(m.benchmark(), m.params());
            Double gflops = w.flops() > 0 ? perSecond(w.flops(), m) : null;
            Double gbPerSecond = w.bytes() > 0 ? perSecond(w.bytes(), m) : null;
            rows.add(new Row(m.benchmark(), m.params(), m.msPerOp(), m.msMin(), m.msMax(), gflops, gbPerSecond,
                    percent(gflops, peakGflops.get(threads(m))), percent(gbPerSecond, bandwidth.get(threads(m))),
                    w.nativeCall() ? m.msPerOp() * 1e3 : null));
        }
        return rows;
    }

    /** The work of one operation of {@code benchmark} with these parameters. */
    static Work work(String benchmark, Map<String, String> params) {
        long d = ExpertGemmBenchmark.HIDDEN;
        long i = ExpertGemmBenchmark.INTERMEDIATE;
        return switch (benchmark) {
            case "ExpertGemm.gateUp" -> new Work(2.0 * rows(params) * 2 * i * d, 4.0 * 2 * i * d, false);
            case "ExpertGemm.expert" -> new Work(2.0 * rows(params) * 3 * i * d, 4.0 * 3 * i * d, false);
            case "HalfWeights.gateUp" -> new Work(2.0 * rows(params) * 2 * i * d,
                    (param(params, "weights").equals("f32") ? 4.0 : 2.0) * 2 * i * d, false);
            case "WeightProduct.gateUp" -> new Work(2.0 * rows(params) * 2 * i * d, bytesPerWeight(param(params, "weights")) * 2 * i * d, false);
            case "WeightProduct.call" -> new Work(0, 0, true);
            case GEMM_PEAK -> new Work(2.0 * GemmPeakBenchmark.M * GemmPeakBenchmark.K * GemmPeakBenchmark.N, 0, false);
            case BANDWIDTH -> new Work(0, 4.0 * MemoryBandwidthBenchmark.ELEMENTS, false);
            case "CallOverhead.add", "CallOverhead.view", "CallOverhead.viewBuiltIndex", "CallOverhead.subManager" -> new Work(0, 0, true);
            default -> throw new IllegalArgumentException("no figures known for benchmark " + benchmark);
        };
    }

    /** Bytes a weight takes as {@code backend:weights} stores it: int8 and int4 add a float32 scale per 32 weights. */
    private static double bytesPerWeight(String weights) {
        return switch (weights.substring(weights.indexOf(':') + 1)) {
            case "int8" -> 1 + 4.0 / 32;
            case "int4" -> 0.5 + 4.0 / 32;
            default -> 4;
        };
    }

    /** {@code amount} per second in units of 10⁹. */
    private static double perSecond(double amount, Measurement m) {
        return amount / (m.msPerOp() * 1e6);
    }

    private static Double percent(Double value, Double reference) {
        return value == null || reference == null ? null : 100 * value / reference;
    }

    private static String threads(Measurement m) {
        return param(m.params(), "threads");
    }

    private static int rows(Map<String, String> params) {
        return Integer.parseInt(param(params, "rows"));
    }

    private static String param(Map<String, String> params, String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalArgumentException("benchmark parameters " + params + " lack " + name);
        }
        return value;
    }
}
