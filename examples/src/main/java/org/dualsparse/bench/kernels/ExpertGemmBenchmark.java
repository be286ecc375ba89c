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
 * OLMoE-1B-7B's expert matmuls on {@code rows} tokens, in both orientations. One invocation runs
 * {@link #EXPERTS} distinct experts, about 400 MB of weights, so each expert's weights come from
 * memory rather than the 32 MB L3, as in a real MoE layer; scores are per expert.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ExpertGemmBenchmark {

    /** OLMoE-1B-7B's hidden size {@code d}. */
    public static final int HIDDEN = 2048;
    /** OLMoE-1B-7B's expert width {@code I}. */
    public static final int INTERMEDIATE = 1024;
    /** Experts cycled through per invocation: 16 × 25 MB of f32 weights. */
    public static final int EXPERTS = 16;

    @Param({"1", "2", "4", "8", "16", "32", "64", "128"})
    public int rows;

    @Param({"rows", "columns"})
    public String orientation;

    @Param("2")
    public int threads;

    private NDManager base;
    private ExpertOrientation kernel;
    private NDArray[] gateUp;
    private NDArray[] down;
    private NDArray tokens;

    @Setup(Level.Trial)
    public void createWeights() {
        base = TorchTrial.start(threads);
        kernel = ExpertOrientation.of(orientation);
        NDArray gateUpStack = base.randomUniform(-0.05f, 0.05f, new Shape(EXPERTS, 2L * INTERMEDIATE, HIDDEN), DataType.FLOAT32);
        NDArray downStack = base.randomUniform(-0.05f, 0.05f, new Shape(EXPERTS, HIDDEN, INTERMEDIATE), DataType.FLOAT32);
        gateUp = new NDArray[EXPERTS];
        down = new NDArray[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            gateUp[e] = gateUpStack.get(e);
            down[e] = downStack.get(e);
        }
        tokens = base.randomUniform(-1f, 1f, new Shape(rows, HIDDEN), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeWeights() {
        base.close();
    }

    /** The fused gate/up matmul of each expert. */
    @Benchmark
    @OperationsPerInvocation(EXPERTS)
    public void gateUp(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            NDArray x = tokens.get(step, new NDIndex("..."));
            for (int e = 0; e < EXPERTS; e++) {
                blackhole.consume(kernel.gateUp(x, gateUp[e]));
            }
        }
    }

    /** Each whole SwiGLU expert: gate/up matmul, {@code silu(gate)·up}, down matmul. */
    @Benchmark
    @OperationsPerInvocation(EXPERTS)
    public void expert(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            NDArray x = tokens.get(step, new NDIndex("..."));
            for (int e = 0; e < EXPERTS; e++) {
                blackhole.consume(kernel.expert(x, gateUp[e], down[e]));
            }
        }
    }
}
