package org.dualsparse.bench;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.dualsparse.decoder.KvCache;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.onnxruntime.OrtRuntime;

/**
 * Times a whole model as generation runs it: one prefill of a random prompt into a KV cache, then
 * greedy decode steps of one token each, every step in its own scoped {@link NDManager} and
 * computing only the last position's logits.
 */
public final class ModelBenchmark {

    /** The benchmark's knobs. */
    public record Setup(int promptTokens, int decodeSteps, int warmUp, int repeats, long seed) {}

    /**
     * Medians over the repeats, with the quartiles of the speeds for their spread. The mean
     * per-token decode time over the first and the last quarter of the steps shows how decode
     * cost grows with the cache (attention reads every cached position). A decode step's time is
     * split into ONNX Runtime's {@code run} calls (their number and time) and the rest: libtorch's
     * operations and the Java between them.
     */
    public record Result(int promptTokens, int decodeSteps, Quartiles prefillTokensPerSecond, Quartiles decodeTokensPerSecond,
            double firstQuarterDecodeMs, double lastQuarterDecodeMs, StepBreakdown decodeStep) {}

    /** A decode step's mean time, {@code ortMs} of it inside {@code ortCalls} ONNX Runtime calls. */
    public record StepBreakdown(double ms, double ortCalls, double ortMs) {

        /** Time outside ONNX Runtime: libtorch's operations and Java. */
        public double otherMs() {
            return ms - ortMs;
        }
    }

    /**
     * A dense model and a dropping one timed in interleaved rounds; speedups are the dropping
     * model's tokens/s over the dense one's.
     */
    public record Comparison(Result dense, Result dropping, double prefillSpeedup, double decodeSpeedup) {}

    private record Trial(double prefillMs, double[] decodeMs, long decodeOrtCalls, long decodeOrtNanos) {}

    private final Setup setup;

    public ModelBenchmark(Setup setup) {
        if (setup.promptTokens() < 1 || setup.decodeSteps() < 1 || setup.repeats() < 1) {
            throw new IllegalArgumentException("prompt tokens, decode steps and repeats must be at least 1: " + setup);
        }
        this.setup = setup;
    }

    public Result run(MoeLanguageModel lm) {
        long[] prompt = prompt(lm);
        return result(Trials.run(setup.warmUp(), setup.repeats(), () -> trial(lm, prompt)));
    }

    /**
     * Times two copies of one model, {@code dense} and {@code dropping}, on the same prompt, one
     * generation of each per round.
     */
    public Comparison compare(MoeLanguageModel dense, MoeLanguageModel dropping) {
        long[] prompt = prompt(dense);
        List<Supplier<Trial>> tasks = List.of(() -> trial(dense, prompt), () -> trial(dropping, prompt));
        List<List<Trial>> trials = InterleavedTrials.rounds(tasks, setup.warmUp(), setup.repeats());
        Result denseResult = result(trials.get(0));
        Result droppingResult = result(trials.get(1));
        return new Comparison(denseResult, droppingResult,
                droppingResult.prefillTokensPerSecond().median() / denseResult.prefillTokensPerSecond().median(),
                droppingResult.decodeTokensPerSecond().median() / denseResult.decodeTokensPerSecond().median());
    }

    /** The seeded random prompt, after checking that prompt and decode steps fit {@code lm}'s positions. */
    private long[] prompt(MoeLanguageModel lm) {
        int positions = setup.promptTokens() + setup.decodeSteps();
        if (positions > lm.config().decoder().maxPositions()) {
            throw new IllegalArgumentException(positions + " positions exceed the model's "
                    + lm.config().decoder().maxPositions());
        }
        return new Random(setup.seed()).longs(setup.promptTokens(), 0, lm.config().decoder().vocabSize()).toArray();
    }

    private Result result(List<Trial> trials) {
        int quarter = Math.max(1, setup.decodeSteps() / 4);
        int steps = setup.decodeSteps();
        return new Result(setup.promptTokens(), steps,
                quartiles(trials, t -> setup.promptTokens() * 1e3 / t.prefillMs()),
                quartiles(trials, t -> steps * 1e3 / Arrays.stream(t.decodeMs()).sum()),
                median(trials, t -> Arrays.stream(t.decodeMs(), 0, quarter).average().orElseThrow()),
                median(trials, t -> Arrays.stream(t.decodeMs(), steps - quarter, steps).average().orElseThrow()),
                new StepBreakdown(
                        median(trials, t -> Arrays.stream(t.decodeMs()).average().orElseThrow()),
                        median(trials, t -> (double) t.decodeOrtCalls() / steps),
                        median(trials, t -> t.decodeOrtNanos() / 1e6 / steps)));
    }

    private Trial trial(MoeLanguageModel lm, long[] prompt) {
        try (KvCache cache = lm.newCache(1)) {
            long start = System.nanoTime();
            long next = greedyStep(lm, prompt, cache);
            double prefillMs = Trials.msSince(start);
            double[] decodeMs = new double[setup.decodeSteps()];
            long ortCalls = OrtRuntime.calls();
            long ortNanos = OrtRuntime.nanos();
            for (int i = 0; i < decodeMs.length; i++) {
                start = System.nanoTime();
                next = greedyStep(lm, new long[] {next}, cache);
                decodeMs[i] = Trials.msSince(start);
            }
            return new Trial(prefillMs, decodeMs, OrtRuntime.calls() - ortCalls, OrtRuntime.nanos() - ortNanos);
        }
    }

    /** Runs {@code ids} after the cache's positions; the most likely next token. */
    private static long greedyStep(MoeLanguageModel lm, long[] ids, KvCache cache) {
        try (NDManager step = lm.model().getNDManager().newSubManager()) {
            return lm.forward(step, new long[][] {ids}, null, cache, true).argMax().getLong();
        }
    }

    private static double median(List<Trial> trials, ToDoubleFunction<Trial> measure) {
        return quartiles(trials, measure).median();
    }

    private static Quartiles quartiles(List<Trial> trials, ToDoubleFunction<Trial> measure) {
        return Quartiles.of(trials.stream().mapToDouble(measure).toArray());
    }
}
