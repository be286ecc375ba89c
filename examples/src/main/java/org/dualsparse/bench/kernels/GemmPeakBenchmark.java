package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/** One large f32 matmul {@code [M, K] × [K, N]}: the GFLOP/s libtorch reaches on this machine. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmPeakBenchmark {

    public static final int M = 512;
    public static final int K = 2048;
    public static final int N = 2048;

    @Param({"1", "2"})
    public int threads;

    private NDManager base;
    private NDArray left;
    private NDArray right;

    @Setup(Level.Trial)
    public void createMatrices() {
        base = TorchTrial.start(threads);
        left = base.randomUniform(-1f, 1f, new Shape(M, K), DataType.FLOAT32);
        right = base.randomUniform(-1f, 1f, new Shape(K, N), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeMatrices() {
        base.close();
    }

    @Benchmark
    public void matMul(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            blackhole.consume(left.get(step, new NDIndex("...")).matMul(right));
        }
    }
}
