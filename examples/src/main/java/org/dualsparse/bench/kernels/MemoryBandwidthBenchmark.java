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

/** {@code sum()} of a 1 GiB f32 array: the memory read bandwidth libtorch reaches on this machine. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MemoryBandwidthBenchmark {

    /** 2^28 floats, 1 GiB: far beyond any cache. */
    public static final int ELEMENTS = 1 << 28;

    @Param({"1", "2"})
    public int threads;

    private NDManager base;
    private NDArray data;

    @Setup(Level.Trial)
    public void createArray() {
        base = TorchTrial.start(threads);
        // ones, not zeros: every page is written, so none can stay mapped to the kernel's shared zero page.
        data = base.ones(new Shape(ELEMENTS), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeArray() {
        base.close();
    }

    @Benchmark
    public float sum() {
        try (NDManager step = base.newSubManager()) {
            return data.get(step, new NDIndex("...")).sum().getFloat();
        }
    }
}
