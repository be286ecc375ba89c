package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.TimeUnit;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.WeightMatrix;
import org.dualsparse.onnxruntime.OrtRuntime;
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
 * One weight product {@code x [rows, d] · Wᵀ} through the matrix seam, per backend and weight
 * format: OLMoE-1B-7B's fused expert gate/up {@code W [2I, d]}, {@link #EXPERTS} distinct ones
 * cycled so the weights come from memory as in a MoE layer ({@code gateUp}), and a 16 × 16
 * product whose time is the backend's cost per call ({@code call}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class WeightProductBenchmark {

    public static final int EXPERTS = 16;
    /** Side of the matrix of {@link #call}. */
    public static final int SMALL = 16;

    @Param({"1", "16", "128", "512"})
    public int rows;

    /** {@code backend:weights}, as the CLI's {@code --backend} and {@code --weights}. */
    @Param({"libtorch:f32", "onnxruntime:f32", "onnxruntime:int8", "onnxruntime:int4"})
    public String weights;

    @Param("2")
    public int threads;

    private NDManager base;
    private WeightMatrix[] gateUp;
    private WeightMatrix small;
    private NDArray tokens;
    private NDArray token;

    @Setup(Level.Trial)
    public void createWeights() {
        System.setProperty(OrtRuntime.THREADS_PROPERTY, Integer.toString(threads));
        base = TorchTrial.start(threads);
        String[] choice = weights.split(":");
        MatrixBackend backend = LoadOptions.of(choice[0], choice[1], 32, true).matrixBackend();
        long d = ExpertGemmBenchmark.HIDDEN;
        long i = ExpertGemmBenchmark.INTERMEDIATE;
        NDArray stack = base.randomUniform(-0.05f, 0.05f, new Shape(EXPERTS, 2 * i, d), DataType.FLOAT32);
        gateUp = new WeightMatrix[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            gateUp[e] = backend.matrix(stack, e);
        }
        small = backend.matrix(base.randomUniform(-1f, 1f, new Shape(SMALL, SMALL), DataType.FLOAT32));
        tokens = base.randomUniform(-1f, 1f, new Shape(rows, d), DataType.FLOAT32);
        token = base.randomUniform(-1f, 1f, new Shape(1, SMALL), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeWeights() {
        base.close();
    }

    /** The fused gate/up product of each expert. */
    @Benchmark
    @OperationsPerInvocation(EXPERTS)
    public void gateUp(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            NDArray x = tokens.get(step, new NDIndex("..."));
            for (int e = 0; e < EXPERTS; e++) {
                blackhole.consume(gateUp[e].linear(x));
            }
        }
    }

    /** One {@code [1, 16] · [16, 16]ᵀ} product: what a call costs beyond its arithmetic. */
    @Benchmark
    public void call(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            blackhole.consume(small.linear(token.get(step, new NDIndex("..."))));
        }
    }
}
