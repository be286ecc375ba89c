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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fixed cost of one libtorch call through DJL's JNI, on arrays too small to compute on: the
 * floor under every op of a forward step. Each call's result is freed when its step's manager
 * closes, and that release is counted in the call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CallOverheadBenchmark {

    /** Calls per invocation, so opening and closing the step's manager is spread thin. */
    public static final int CALLS = 100;

    private static final int MATRIX_ROWS = 128;

    @Param("2")
    public int threads;

    private NDManager base;
    private NDArray one;
    private NDArray matrix;

    @Setup(Level.Trial)
    public void createArrays() {
        base = TorchTrial.start(threads);
        one = base.ones(new Shape(1), DataType.FLOAT32);
        matrix = base.ones(new Shape(MATRIX_ROWS, 64), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeArrays() {
        base.close();
    }

    /** {@code add} of two 1-element arrays. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void add(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            NDArray sum = one.get(step, new NDIndex("..."));
            for (int i = 0; i < CALLS; i++) {
                sum = sum.add(one);
            }
            blackhole.consume(sum);
        }
    }

    /** A row-range view {@code matrix[i:i+8]} with the index written as a string, as the MoE blocks slice each expert's tokens. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void view(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            for (int i = 0; i < CALLS; i++) {
                blackhole.consume(matrix.get(step, new NDIndex("{}:{}", i, i + 8)));
            }
        }
    }

    /** The same view with the index built by {@code addSliceDim}: what parsing the string costs is the difference. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void viewBuiltIndex(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            for (int i = 0; i < CALLS; i++) {
                blackhole.consume(matrix.get(step, new NDIndex().addSliceDim(i, i + 8)));
            }
        }
    }

    /** Opening and closing an empty sub-manager, once per forward step and per scoped helper. */
    @Benchmark
    public void subManager(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            blackhole.consume(step);
        }
    }
}
