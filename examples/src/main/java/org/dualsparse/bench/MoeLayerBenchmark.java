package org.dualsparse.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.DropRateUnreachableException;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.ReplayedTargets;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseMoeBlock;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.WeightFormat;

/**
 * Times one MoE layer of a model's real shapes (random weights): the dense grouped block against
 * the DualSparse block at a list of {@link Point}s (a drop method at a target drop rate, with its
 * 2T margin and expert split), all configurations interleaved in one process ({@link
 * InterleavedTrials}). The layer is built once dense and once partitioned per split, from one
 * seed, and every partitioned copy is checked to agree with the dense one before timing. The
 * hidden states come from {@link SyntheticRouting}, fitted to a trained router's {@link
 * RouterStatistics}; each point's knob is solved on their routing ({@link ReplayedTargets}) for
 * every token count.
 */
public final class MoeLayerBenchmark {

    private static final int FIT_TOKENS = 4096;
    private static final double MAX_RELATIVE_ERROR = 1e-3;

    /**
     * The agreement quantized layers are held to: partitioning reorders each expert's neurons, so
     * the down projection's blocks hold other weights than the dense copy's and round otherwise.
     * Measured on OLMoE's shapes: about 0.013 at int8 and 0.11 at int4; a wiring fault is of order 1.
     */
    private static final Map<WeightFormat, Double> MAX_QUANTIZED_ERROR = Map.of(WeightFormat.INT8, 0.05, WeightFormat.INT4, 0.25);

    /**
     * One dropping configuration to time, at a target decision drop rate whose knob is solved on
     * the timed routing ({@link #atRate}), or, for 1T and 2T, at given shares of dropped and
     * major-only pairs ({@link #atShares}): what the layer's work depends on, whatever the
     * model's top-K and score scale.
     *
     * @param label names it in the rows, e.g. {@code 2t} or a sweep's setting
     * @param target the decision drop rate it is reported at
     * @param margin the 2T margin of {@link #atRate} (ignored by the other methods)
     * @param droppedShare with {@link #atShares}, the share of routed pairs to drop; else NaN
     * @param majorOnlyShare with {@link #atShares}, the share of routed pairs to run major-only; else NaN
     */
    public record Point(String label, Method method, double target, Margin margin, Partition partition, double droppedShare,
            double majorOnlyShare) {

        public Point {
            if (method == Method.NONE) {
                throw new IllegalArgumentException("the dense layer is timed anyway; a point drops something");
            }
            boolean shares = !Double.isNaN(droppedShare) || !Double.isNaN(majorOnlyShare);
            if (shares && (method != Method.ONE_T && method != Method.TWO_T || !(droppedShare >= 0 && majorOnlyShare >= 0
                    && droppedShare + majorOnlyShare <= 1) || method == Method.ONE_T && majorOnlyShare > 0)) {
                throw new IllegalArgumentException("pair shares are 1t's dropped or 2t's dropped and major-only shares, summing to"
                        + " at most 1; got " + method.id() + " " + droppedShare + ", " + majorOnlyShare);
            }
        }

        /** {@code method} at {@code target}, its knob solved on the timed routing. */
        public static Point atRate(String label, Method method, double target, Margin margin, Partition partition) {
            return new Point(label, method, target, margin, partition, Double.NaN, Double.NaN);
        }

        /**
         * 1T or 2T dropping {@code droppedShare} of the routed pairs and running {@code
         * majorOnlyShare} major-only, the lowest-scoring first: thresholds at those quantiles of
         * the timed routing's normalised scores.
         */
        public static Point atShares(String label, Method method, double target, Partition partition, double droppedShare,
                double majorOnlyShare) {
            return new Point(label, method, target, Margin.NONE, partition, droppedShare, majorOnlyShare);
        }

        boolean hasShares() {
            return !Double.isNaN(droppedShare);
        }
    }

    /**
     * The benchmark's knobs: {@code layer} is a one-layer config of the shapes to time, {@code
     * name} what the rows call it, {@code routing} the trained router's statistics to imitate,
     * {@code load} the backend and weight format every copy of the layer is built with.
     */
    public record Setup(HfConfig layer, String name, List<Integer> tokens, List<Point> points, RouterStatistics routing,
            int warmUp, int repeats, long seed, LoadOptions load) {

        public Setup {
            tokens = List.copyOf(tokens);
            points = List.copyOf(points);
        }
    }

    /**
     * One timed configuration; dense times are of the same rounds. {@code target} is the point's
     * target (0 for an undropped partitioned layer), {@code knob} and {@code knobValue} what was
     * solved for it ("T", "β", "p", "γ"); {@code realisedDecisionRate} is the drop rate the policy
     * decided, {@code realisedSkippedWork} the work the kernels that ran skipped ({@link
     * org.dualsparse.dualsparse.runtime.DropRates}); {@code idealSpeedup} is {@code 1/(1 −
     * realisedDecisionRate)}, the method's promise. {@code weightReadSpeedup} is what a layer bound
     * by reading expert weights could gain ({@link #weightReadSpeedup}); {@code arrays} and {@code
     * denseArrays} count the arrays one forward creates, about one per native call.
     */
    public record Row(String preset, int tokens, String method, double targetDropRate, double realisedDecisionRate,
            double realisedSkippedWork, String knob, double knobValue, double medianMs, double p25Ms, double p75Ms,
            double denseMedianMs, double denseP25Ms, double denseP75Ms, double speedup, double idealSpeedup, double percentOfIdeal,
            double weightReadSpeedup, int arrays, int denseArrays) {}

    /**
     * The rows, the points no knob reaches (with why), the target routing statistics, those the
     * fitted routing reached, and its σ and c; {@code packedWeightBytes} is what onnxruntime packed
     * the dense copy's weights into, -1 on libtorch, which packs nothing.
     */
    public record Result(List<Row> rows, List<String> unreachable, RouterStatistics target, RouterStatistics achieved,
            double sigma, double sharedScale, long packedWeightBytes) {}

    /** A point solved on one token count's routing. */
    private record Solved(Point point, ReplayedTargets.Solved knob, DualSparseRuntime runtime, DualSparseMoeBlock block) {}

    private final Setup setup;

    public MoeLayerBenchmark(Setup setup) {
        this.setup = setup;
    }

    /** The one-MoE-layer config of a preset: a tiny vocabulary and no dense first layer, the layer itself unchanged. */
    public static HfConfig layerConfig(HfConfig model) {
        HfConfig config = new HfConfig(model.json().deepCopy(), model.source());
        config.json().addProperty("num_hidden_layers", 1);
        config.json().addProperty("vocab_size", 16);
        if (config.has("first_k_dense_replace")) {
            config.json().addProperty("first_k_dense_replace", 0);
        }
        return config;
    }

    /** Runs every point; returns rows in tokens × point order. */
    public Result run() {
        HfConfig config = setup.layer();
        List<MoeLanguageModel> models = new ArrayList<>();
        try {
            MoeLanguageModel denseModel = MoeLanguageModel.random(config, setup.seed(), setup.load());
            models.add(denseModel);
            ParameterStore ps = new ParameterStore(denseModel.model().getNDManager(), false);
            SparseMoeBlock dense = MoeBlocks.of(denseModel.block()).get(0);
            int topK = dense.router().spec().topK();
            int numExperts = dense.router().spec().numExperts();
            int sharedNeurons = dense.sharedExpert() == null ? 0 : dense.sharedExpert().intermediateSize();
            Map<Partition, DualSparseRuntime> partitioned = new LinkedHashMap<>();
            for (Point point : setup.points()) {
                if (!partitioned.containsKey(point.partition())) {
                    MoeLanguageModel copy = MoeLanguageModel.random(config, setup.seed(), setup.load());
                    models.add(copy);
                    partitioned.put(point.partition(),
                            DualSparseRuntime.apply(copy.block(), point.partition(), Reconstruction.WEIGHT, null, DropPolicy.NONE));
                }
            }
            NDManager inputs = denseModel.model().getNDManager().newSubManager();
            SyntheticRouting synthetic = SyntheticRouting.fit(
                    dense.router().getParameters().get("weight").getArray(), topK, setup.routing(), FIT_TOKENS, setup.seed());
            Random random = new Random(setup.seed());
            RouterStatistics achieved = RouterStatistics.of(route(dense, ps, synthetic.hiddenStates(inputs, FIT_TOKENS, random)), numExperts);
            double tolerance = MAX_QUANTIZED_ERROR.getOrDefault(setup.load().weights(), MAX_RELATIVE_ERROR);
            List<Row> rows = new ArrayList<>();
            List<String> unreachable = new ArrayList<>();
            for (int n : setup.tokens()) {
                NDArray state = synthetic.hiddenStates(inputs, n, random);
                for (DualSparseRuntime runtime : partitioned.values()) {
                    checkAgreement(dense, runtime, ps, state, tolerance);
                }
                Routing routing = route(dense, ps, state);
                List<Solved> solved = new ArrayList<>();
                for (Point point : setup.points()) {
                    DualSparseRuntime runtime = partitioned.get(point.partition());
                    DualSparseMoeBlock block = runtime.blocks().get(0);
                    DropStats.LayerShape shape = new DropStats.LayerShape(
                            numExperts, block.experts().intermediateSize(), block.experts().majorNeurons(), sharedNeurons);
                    try {
                        solved.add(new Solved(point, solve(point, routing, shape), runtime, block));
                    } catch (DropRateUnreachableException e) {
                        unreachable.add(String.format("%s at %.3f, %d tokens: %s", point.label(), point.target(), n, e.getMessage()));
                    }
                }
                rows.addAll(time(n, dense, ps, state, routing, solved, sharedNeurons));
            }
            long packed = denseModel.backend() instanceof OrtMatrices ort ? ort.weightBytes() : -1;
            return new Result(rows, unreachable, setup.routing(), achieved, synthetic.sigma(), synthetic.sharedScale(), packed);
        } finally {
            models.forEach(MoeLanguageModel::close);
        }
    }

    /** Times the dense layer and every solved point on {@code state}, interleaved. */
    private List<Row> time(int n, SparseMoeBlock dense, ParameterStore ps, NDArray state, Routing routing, List<Solved> solved,
            int sharedNeurons) {
        DropRates[] realised = new DropRates[solved.size()];
        int[] arrays = new int[solved.size()];
        int denseArrays = arraysPerForward(dense, ps, state);
        for (int i = 0; i < solved.size(); i++) {
            Solved s = solved.get(i);
            try (DualSparseRuntime.PolicyScope scope = s.runtime().using(s.knob().policy())) {
                arrays[i] = arraysPerForward(s.block(), ps, state);
            }
        }
        List<DoubleSupplier> tasks = new ArrayList<>();
        tasks.add(() -> forwardMs(dense, ps, state));
        for (int i = 0; i < solved.size(); i++) {
            Solved s = solved.get(i);
            int at = i;
            tasks.add(() -> {
                try (DualSparseRuntime.PolicyScope scope = s.runtime().using(s.knob().policy());
                        StatsWindow window = s.runtime().measuring()) {
                    double ms = forwardMs(s.block(), ps, state);
                    realised[at] = window.stats().rates();
                    return ms;
                }
            });
        }
        double[][] ms = InterleavedTrials.run(tasks, setup.warmUp(), setup.repeats());
        Quartiles denseMs = Quartiles.of(ms[0]);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < solved.size(); i++) {
            Solved s = solved.get(i);
            Quartiles q = Quartiles.of(ms[i + 1]);
            double speedup = denseMs.median() / q.median();
            double ideal = 1 / (1 - realised[i].decision());
            DropStats.LayerShape shape = new DropStats.LayerShape(s.block().experts().numExperts(),
                    s.block().experts().intermediateSize(), s.block().experts().majorNeurons(), sharedNeurons);
            rows.add(new Row(setup.name(), n, s.point().label(), s.point().target(), realised[i].decision(),
                    realised[i].skippedWork(), s.knob().knob(), s.knob().value(), q.median(), q.p25(), q.p75(),
                    denseMs.median(), denseMs.p25(), denseMs.p75(), speedup, ideal, 100 * speedup / ideal,
                    weightReadSpeedup(routing, shape, decisions(routing, s.knob().policy())), arrays[i], denseArrays));
        }
        return rows;
    }

    /** The point's knob on {@code routing}; a target of 0 is the undropped partitioned layer. */
    static ReplayedTargets.Solved solve(Point point, Routing routing, DropStats.LayerShape shape) {
        if (point.hasShares()) {
            return atShares(point, routing, shape);
        }
        if (point.target() <= 0) {
            return new ReplayedTargets.Solved(point.method(), 0, DropPolicy.NONE, "", 0, 0);
        }
        Margin margin = point.method() == Method.TWO_T ? point.margin() : Margin.NONE;
        return new ReplayedTargets(List.of(new LayerRouting(0, routing)), Map.of(0, shape), margin).solve(point.method(), point.target());
    }

    /** Thresholds at the quantiles of {@code routing}'s normalised scores that drop and halve the point's shares of pairs. */
    private static ReplayedTargets.Solved atShares(Point point, Routing routing, DropStats.LayerShape shape) {
        float[] scores = Scores.normalised(routing);
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        double low = quantile(sorted, point.droppedShare());
        double high = quantile(sorted, point.droppedShare() + point.majorOnlyShare());
        // A score at a threshold counts as at-or-above it, so each threshold is the first score it keeps.
        DropPolicy policy = ThresholdDropPolicy.global((low + high) / 2, (high - low) / 2, routing.topK(), true);
        byte[] decisions = decisions(routing, policy);
        long major = 0;
        long dropped = 0;
        for (byte d : decisions) {
            major += d == PairDecision.MAJOR ? 1 : 0;
            dropped += d == PairDecision.DROPPED ? 1 : 0;
        }
        double rate = shape.skippedNeurons(major, dropped) / shape.denseNeurons(routing.numTokens(), decisions.length);
        return new ReplayedTargets.Solved(point.method(), point.target(), policy, "T", (low + high) / 2, rate);
    }

    /** The value below which a {@code share} of {@code sorted} lies: the first value kept, or past the largest. */
    private static double quantile(float[] sorted, double share) {
        int below = (int) Math.round(share * sorted.length);
        return below >= sorted.length ? Math.nextUp(sorted[sorted.length - 1]) : sorted[below];
    }

    /**
     * Guards the timing: undropped, the partitioned layer must compute what the dense one does, to
     * {@code tolerance} of the largest output.
     */
    private static void checkAgreement(SparseMoeBlock dense, DualSparseRuntime runtime, ParameterStore ps, NDArray state,
            double tolerance) {
        DualSparseMoeBlock block = runtime.blocks().get(0);
        try (DualSparseRuntime.PolicyScope undropped = runtime.using(DropPolicy.NONE);
                NDManager step = state.getManager().newSubManager()) {
            NDArray expected = dense.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null).head();
            NDArray actual = block.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null).head();
            double error = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
            if (!(error <= tolerance)) {
                throw new IllegalStateException("the partitioned layer (" + block.experts().partition()
                        + ") disagrees with the dense one: max error " + error + " of the largest output");
            }
        }
    }

    private static int arraysPerForward(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            block.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null);
            return step.getManagedArrays().size();
        }
    }

    private static double forwardMs(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            NDArray x = state.get(step, new NDIndex("..."));
            long start = System.nanoTime();
            block.forward(ps, new NDList(x), false, null).head().toFloatArray();
            return Trials.msSince(start);
        }
    }

    /** The host side of {@code block}'s routing of {@code state} {@code [1, n, d]}. */
    private static Routing route(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            NDArray tokens = state.get(step, new NDIndex("...")).reshape(-1, state.getShape().getLastDimension());
            return LayerRouting.copyOf(0, block.router().route(ps, tokens)).routing();
        }
    }

    /**
     * Expert weight bytes the dense layer reads over those the dropping one reads: an expert with
     * a whole pair is read whole, one with only major-only pairs its major part, one with no kept
     * pair not at all. The speedup a layer bound by reading its weights could reach.
     */
    static double weightReadSpeedup(Routing routing, DropStats.LayerShape shape, byte[] decisions) {
        boolean[] full = new boolean[shape.numExperts()];
        boolean[] major = new boolean[shape.numExperts()];
        boolean[] used = new boolean[shape.numExperts()];
        long[] experts = routing.experts();
        for (int p = 0; p < decisions.length; p++) {
            int e = (int) experts[p];
            used[e] = true;
            full[e] |= decisions[p] == PairDecision.FULL;
            major[e] |= decisions[p] == PairDecision.MAJOR;
        }
        double dense = 0;
        double read = 0;
        for (int e = 0; e < shape.numExperts(); e++) {
            dense += used[e] ? 1 : 0;
            read += full[e] ? 1 : major[e] ? (double) shape.majorNeurons() / shape.expertNeurons() : 0;
        }
        return dense / read;
    }

    /** What {@code policy} decides for every pair of {@code routing}, one layer's. */
    static byte[] decisions(Routing routing, DropPolicy policy) {
        float[] scores = Scores.normalised(routing);
        byte[] decisions = new byte[scores.length];
        policy.decide(0, routing, scores, decisions);
        return decisions;
    }
}
