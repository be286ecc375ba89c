package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
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
 * OLMoE-1B-7B's fused gate/up matmul ({@code x·Wᵀ}) with the weights stored in 16 bits, against
 * f32. bf16 cannot be measured: DJL 0.35.1's JNI aborts the JVM on the first BFLOAT16 tensor it
 * makes ({@code ones}, {@code zeros}, {@code toType}, {@code create}; "terminate called without
 * an active exception"), so fp16, the one 16-bit float type it handles, stands in: half the bytes
 * of f32, like bf16. Weights {@code f16-widened} are widened to f32 per call and multiplied in
 * f32; weights {@code f16} are multiplied in fp16 directly (the tokens converted to fp16, the
 * product back to f32). As in {@link ExpertGemmBenchmark}, one invocation cycles through
 * {@link ExpertGemmBenchmark#EXPERTS} experts; scores are per expert.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HalfWeightsBenchmark {

    private static final int EXPERTS = ExpertGemmBenchmark.EXPERTS;

    @Param({"1", "4", "16"})
    public int rows;

    @Param({"f32", "f16-widened", "f16"})
    public String weights;

    @Param("2")
    public int threads;

    private NDManager base;
    private Storage storage;
    private NDArray[] gateUp;
    private NDArray tokens;

    /** How the weights are stored and multiplied. */
    private enum Storage {
        F32 {
            @Override
            NDArray gateUp(NDArray x, NDArray weight, NDManager step) {
                return Linear.linear(x, weight).head();
            }
        },
        F16_WIDENED {
            @Override
            NDArray gateUp(NDArray x, NDArray weight, NDManager step) {
                NDArray widened = weight.toType(DataType.FLOAT32, false);
                widened.attach(step);
                return Linear.linear(x, widened).head();
            }
        },
        F16 {
            @Override
            NDArray gateUp(NDArray x, NDArray weight, NDManager step) {
                return Linear.linear(x.toType(DataType.FLOAT16, false), weight).head().toType(DataType.FLOAT32, false);
            }
        };

        /** {@code x·Wᵀ} for f32 tokens {@code x}, in f32. */
        abstract NDArray gateUp(NDArray x, NDArray weight, NDManager step);

        static Storage of(String weights) {
            return switch (weights) {
                case "f32" -> F32;
                case "f16-widened" -> F16_WIDENED;
                case "f16" -> F16;
                default -> throw new IllegalArgumentException("weights is f32, f16-widened or f16, not " + weights);
            };
        }
    }

    @Setup(Level.Trial)
    public void createWeights() {
        base = TorchTrial.start(threads);
        storage = Storage.of(weights);
        NDArray stack = base.randomUniform(-0.05f, 0.05f,
                new Shape(EXPERTS, 2L * ExpertGemmBenchmark.INTERMEDIATE, ExpertGemmBenchmark.HIDDEN), DataType.FLOAT32);
        if (storage != Storage.F32) {
            NDArray wide = stack;
            stack = wide.toType(DataType.FLOAT16, false);
            wide.close();
        }
        gateUp = new NDArray[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            gateUp[e] = stack.get(e);
        }
        tokens = base.randomUniform(-1f, 1f, new Shape(rows, ExpertGemmBenchmark.HIDDEN), DataType.FLOAT32);
    }

    @TearDown(Level.Trial)
    public void freeWeights() {
        base.close();
    }

    @Benchmark
    @OperationsPerInvocation(EXPERTS)
    public void gateUp(Blackhole blackhole) {
        try (NDManager step = base.newSubManager()) {
            NDArray x = tokens.get(step, new NDIndex("..."));
            for (int e = 0; e < EXPERTS; e++) {
                blackhole.consume(storage.gateUp(x, gateUp[e], step));
            }
        }
    }
}
